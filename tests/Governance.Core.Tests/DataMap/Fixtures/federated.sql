-- A federated chat store, modelled on the patterns of real federated chat servers: qualified ids (@alice:example.org),
-- tables keyed by the localpart (alice), e-mail and phone in a table of third-party ids, every event's content only in
-- JSON kept in a TEXT column (message and membership events in one table), ids inside JSON arrays, media files at
-- paths derived from the media id, and no foreign keys at all.
create table users (name text primary key, password_hash text, creation_ts bigint not null, admin smallint not null default 0, deactivated smallint not null default 0);
create table profiles (user_id text primary key, displayname text, avatar_url text);
create table user_threepids (user_id text not null, medium text not null, address text not null, validated_at bigint, added_at bigint not null);
create unique index user_threepids_medium_address on user_threepids (medium, address);
create index user_threepids_user_id on user_threepids (user_id);
create table user_external_ids (auth_provider text not null, external_id text not null, user_id text not null, primary key (auth_provider, external_id));
create table access_tokens (id bigint primary key, user_id text not null, device_id text, token text not null);
create table devices (user_id text not null, device_id text not null, display_name text, last_seen bigint, ip text, user_agent text, primary key (user_id, device_id));
create table rooms (room_id text primary key, creator text, is_public boolean not null default false);
create table events (event_id text primary key, room_id text not null, type text not null, sender text not null, state_key text, origin_server_ts bigint not null);
create index events_sender on events (sender);
create table event_json (event_id text primary key, room_id text not null, json text not null, format_version int);
create table room_memberships (event_id text primary key, user_id text not null, sender text not null, room_id text not null, membership text not null, display_name text, avatar_url text);
create index room_memberships_user on room_memberships (user_id);
create table receipts_linearized (room_id text not null, receipt_type text not null, user_id text not null, event_id text not null, data text not null, primary key (room_id, receipt_type, user_id));
create table local_media_repository (media_id text primary key, media_type text not null, media_length int not null, created_ts bigint not null, upload_name text, user_id text not null);
create table local_media_repository_thumbnails (media_id text not null, thumbnail_width int not null, thumbnail_height int not null, thumbnail_type text not null, thumbnail_method text not null, primary key (media_id, thumbnail_width, thumbnail_height, thumbnail_type, thumbnail_method));

insert into users values ('@alice:example.org', 'hash-a', 1, 0, 0), ('@bob:example.org', 'hash-b', 2, 0, 0), ('@alicia:example.org', 'hash-c', 3, 0, 0), ('@carol:example.org', 'hash-d', 4, 0, 0);
insert into profiles values ('alice', 'Alice A', 'mxc://example.org/AAAAmediaAlice'), ('bob', 'Bob B', null), ('alicia', 'Alicia', null), ('carol', 'Carol', null);
insert into user_threepids values ('@alice:example.org', 'email', 'alice@mail.example', 10, 10), ('@alice:example.org', 'email', 'a.work@corp.example', 11, 11),
    ('@alice:example.org', 'msisdn', '447700900123', 12, 12), ('@bob:example.org', 'email', 'bob@mail.example', 13, 13), ('@alicia:example.org', 'email', 'alicia@mail.example', 14, 14);
insert into user_external_ids values ('saml', 'EMP-0042', '@alice:example.org'), ('saml', 'EMP-0043', '@bob:example.org');
insert into access_tokens values (1, '@alice:example.org', 'DEV1', 'tok-a1'), (2, '@alice:example.org', 'DEV2', 'tok-a2'), (3, '@bob:example.org', 'DEVB', 'tok-b');
insert into devices values ('@alice:example.org', 'DEV1', 'Alice phone', 100, '198.51.100.7', 'Element/1.0'), ('@bob:example.org', 'DEVB', 'Bob laptop', 101, '198.51.100.8', 'Element/1.0');
insert into rooms values ('!r1:example.org', '@alice:example.org', false), ('!r2:example.org', '@bob:example.org', true), ('!r3:example.org', '@carol:example.org', false);
insert into events values
    ('$m1', '!r1:example.org', 'm.room.message', '@alice:example.org', null, 1000),
    ('$m2', '!r1:example.org', 'm.room.message', '@bob:example.org', null, 1001),
    ('$m3', '!r2:example.org', 'm.room.message', '@bob:example.org', null, 1002),
    ('$m4', '!r2:example.org', 'm.room.message', '@alicia:example.org', null, 1003),
    ('$j1', '!r1:example.org', 'm.room.member', '@alice:example.org', '@alice:example.org', 900),
    ('$j2', '!r2:example.org', 'm.room.member', '@bob:example.org', '@alice:example.org', 901),
    ('$j3', '!r3:example.org', 'm.room.member', '@carol:example.org', '@carol:example.org', 902),
    ('$x1', '!r3:example.org', 'm.room.message', '@carol:example.org', null, 1004);
insert into event_json values
    ('$m1', '!r1:example.org', '{"type":"m.room.message","sender":"@alice:example.org","room_id":"!r1:example.org","content":{"msgtype":"m.text","body":"Meeting notes: salary review for Q3","formatted_body":"<b>Meeting notes</b>"},"origin_server_ts":1000}', 2),
    ('$m2', '!r1:example.org', '{"type":"m.room.message","sender":"@bob:example.org","room_id":"!r1:example.org","content":{"msgtype":"m.text","body":"thanks @alice:example.org, see you","m.mentions":{"user_ids":["@alice:example.org","@carol:example.org"]}},"origin_server_ts":1001}', 2),
    ('$m3', '!r2:example.org', '{"type": "m.room.message", "sender": "@bob:example.org", "content": {"body": "lunch?", "m.mentions": {"user_ids": ["@carol:example.org"]}}}', 2),
    ('$m4', '!r2:example.org', '{"type":"m.room.message","sender":"@alicia:example.org","content":{"body":"hello from alicia, not alice"}}', 2),
    ('$j1', '!r1:example.org', '{"type":"m.room.member","sender":"@alice:example.org","state_key":"@alice:example.org","content":{"membership":"join","displayname":"Alice A","avatar_url":"mxc://example.org/AAAAmediaAlice"}}', 2),
    ('$j2', '!r2:example.org', '{"type":"m.room.member","sender":"@bob:example.org","state_key":"@alice:example.org","content":{"membership":"invite","displayname":"Alice A"}}', 2),
    ('$j3', '!r3:example.org', '{"type":"m.room.member","sender":"@carol:example.org","state_key":"@carol:example.org","content":{"membership":"join","displayname":"Carol"}}', 2),
    ('$x1', '!r3:example.org', 'not json: @alice:example.org was here', 2);
insert into room_memberships values
    ('$j1', '@alice:example.org', '@alice:example.org', '!r1:example.org', 'join', 'Alice A', 'mxc://example.org/AAAAmediaAlice'),
    ('$j2', '@alice:example.org', '@bob:example.org', '!r2:example.org', 'invite', 'Alice A', null),
    ('$j3', '@carol:example.org', '@carol:example.org', '!r3:example.org', 'join', 'Carol', null);
insert into receipts_linearized values
    ('!r1:example.org', 'm.read', '@alice:example.org', '$m2', '{"ts":1002}'),
    ('!r1:example.org', 'm.read', '@bob:example.org', '$m1', '{"ts":1003}');
insert into local_media_repository values
    ('AAAAmediaAlice', 'image/png', 100, 50, 'me.png', '@alice:example.org'),
    ('BBBBmediaAlice2', 'application/pdf', 200, 51, 'contract.pdf', '@alice:example.org'),
    ('CCCCmediaBob', 'image/jpeg', 300, 52, 'bob.jpg', '@bob:example.org');
insert into local_media_repository_thumbnails values
    ('AAAAmediaAlice', 32, 32, 'image/png', 'crop'), ('AAAAmediaAlice', 96, 96, 'image/png', 'scale'), ('CCCCmediaBob', 32, 32, 'image/jpeg', 'crop');
