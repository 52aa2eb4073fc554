-- A team chat store, modelled on the patterns of widely deployed team chat servers: 26-character text ids, no foreign
-- keys at all, direct-message channels named after both members' ids (<idA>__<idB>), mentions of user names in
-- message text (@ann), reactions to other people's posts, and a file table with paths (thumbnail paths often empty).
create table users (id varchar(26) primary key, username varchar(64) not null unique, email varchar(128) not null, nickname varchar(64), createat bigint not null, deleteat bigint not null default 0);
create table channels (id varchar(26) primary key, type char(1) not null, name varchar(64) not null unique, displayname varchar(64), creatorid varchar(26), createat bigint not null);
create table channelmembers (channelid varchar(26) not null, userid varchar(26) not null, roles varchar(64), lastviewedat bigint, primary key (channelid, userid));
create table posts (id varchar(26) primary key, channelid varchar(26) not null, userid varchar(26) not null, rootid varchar(26), message text not null, props text not null default '{}', createat bigint not null);
create index posts_userid on posts (userid);
create table reactions (userid varchar(26) not null, postid varchar(26) not null, emojiname varchar(64) not null, createat bigint not null, primary key (postid, userid, emojiname));
create table fileinfo (id varchar(26) primary key, creatorid varchar(26) not null, postid varchar(26), path text not null, thumbnailpath text not null default '', previewpath text not null default '', name text not null, createat bigint not null);
create table sessions (id varchar(26) primary key, token varchar(26) not null, userid varchar(26) not null, deviceid text not null default '', props text not null default '{}');

insert into users values
    ('annannannannannannannannan', 'ann', 'Ann@Example.com', 'Annie', 1, 0),
    ('bobbobbobbobbobbobbobbobbo', 'bob', 'bob@example.com', null, 2, 0),
    ('cycycycycycycycycycycycycy', 'cy', 'cy@example.com', null, 3, 0),
    ('annexannexannexannexannexa', 'annex', 'annex@example.com', null, 4, 0);
insert into channels values
    ('dmannbob000000000000000000', 'D', 'annannannannannannannannan__bobbobbobbobbobbobbobbobbo', '', 'annannannannannannannannan', 10),
    ('dmbobcy0000000000000000000', 'D', 'bobbobbobbobbobbobbobbobbo__cycycycycycycycycycycycycy', '', 'bobbobbobbobbobbobbobbobbo', 11),
    ('townsquare0000000000000000', 'O', 'town-square', 'Town Square', 'bobbobbobbobbobbobbobbobbo', 12);
insert into channelmembers values
    ('dmannbob000000000000000000', 'annannannannannannannannan', 'channel_user', 100), ('dmannbob000000000000000000', 'bobbobbobbobbobbobbobbobbo', 'channel_user', 101),
    ('dmbobcy0000000000000000000', 'bobbobbobbobbobbobbobbobbo', 'channel_user', 102), ('dmbobcy0000000000000000000', 'cycycycycycycycycycycycycy', 'channel_user', 103),
    ('townsquare0000000000000000', 'annannannannannannannannan', 'channel_user', 104), ('townsquare0000000000000000', 'bobbobbobbobbobbobbobbobbo', 'channel_user', 105),
    ('townsquare0000000000000000', 'annexannexannexannexannexa', 'channel_user', 106);
insert into posts values
    ('p1ann000000000000000000000', 'dmannbob000000000000000000', 'annannannannannannannannan', null, 'my home address is 1 Main St', '{}', 1000),
    ('p2bob000000000000000000000', 'dmannbob000000000000000000', 'bobbobbobbobbobbobbobbobbo', 'p1ann000000000000000000000', 'thanks @ann, and @annex too', '{}', 1001),
    ('p3bob000000000000000000000', 'townsquare0000000000000000', 'bobbobbobbobbobbobbobbobbo', null, 'secret plans for the launch', '{}', 1002),
    ('p4ann000000000000000000000', 'townsquare0000000000000000', 'annannannannannannannannan', null, 'hello @bob and @cy', '{"from_webhook":"false"}', 1003),
    ('p5cy0000000000000000000000', 'dmbobcy0000000000000000000', 'cycycycycycycycycycycycycy', null, 'private to bob', '{}', 1004);
insert into reactions values
    ('annannannannannannannannan', 'p3bob000000000000000000000', 'thumbsup', 2000),
    ('bobbobbobbobbobbobbobbobbo', 'p1ann000000000000000000000', 'heart', 2001);
insert into fileinfo values
    ('f1ann000000000000000000000', 'annannannannannannannannan', 'p1ann000000000000000000000', 'data/20261101/teams/x/f1ann/scan.pdf', '', '', 'scan.pdf', 1000),
    ('f2ann000000000000000000000', 'annannannannannannannannan', 'p4ann000000000000000000000', 'data/20261102/teams/x/f2ann/pic.png', 'data/20261102/teams/x/f2ann/pic_thumb.jpg', 'data/20261102/teams/x/f2ann/pic_preview.jpg', 'pic.png', 1003),
    ('f3bob000000000000000000000', 'bobbobbobbobbobbobbobbobbo', 'p3bob000000000000000000000', 'data/20261103/teams/x/f3bob/plan.docx', '', '', 'plan.docx', 1002);
insert into sessions values
    ('s1ann000000000000000000000', 'tokann00000000000000000000', 'annannannannannannannannan', 'ios-1', '{}'),
    ('s2bob000000000000000000000', 'tokbob00000000000000000000', 'bobbobbobbobbobbobbobbobbo', '', '{}');
