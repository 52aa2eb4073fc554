-- Reference chat store: the schema of the self-hosted chat system, one database per region (chat_eu, chat_us,
-- chat_cn). It belongs to the chat system, not to the governance console: the console reads and changes it only
-- through the data map (policies/datamap). Ids are bigints that grow with time (like snowflake ids), unique
-- across regions, so that a row moved between regions keeps its id.

create table if not exists tenants (
    id          bigint primary key,
    name        text        not null,
    domain      text        not null,
    home_region text        not null,
    created_at  timestamptz not null
);

create table if not exists users (
    id            bigint primary key,
    tenant_id     bigint      not null references tenants (id),
    email         text        not null,
    phone         text,
    display_name  text        not null,
    locale        text        not null,
    home_region   text        not null,
    created_at    timestamptz not null,
    last_login_at timestamptz,
    last_login_ip inet,
    deactivated_at timestamptz
);
create unique index if not exists users_email_key on users (lower(email));
create index if not exists users_phone_idx on users (phone);
create index if not exists users_tenant_idx on users (tenant_id);

create table if not exists devices (
    id           bigint primary key,
    user_id      bigint      not null references users (id),
    platform     text        not null,
    model        text,
    push_token   text,
    created_at   timestamptz not null,
    last_seen_at timestamptz
);
create index if not exists devices_user_idx on devices (user_id);

create table if not exists sessions (
    id         bigint primary key,
    user_id    bigint      not null references users (id),
    device_id  bigint      references devices (id),
    ip         inet,
    user_agent text,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    revoked_at timestamptz
);
create index if not exists sessions_user_idx on sessions (user_id);
create index if not exists sessions_device_idx on sessions (device_id);

create table if not exists contacts (
    user_id         bigint      not null references users (id),
    contact_user_id bigint      not null,
    alias           text,
    created_at      timestamptz not null,
    primary key (user_id, contact_user_id)
);
create index if not exists contacts_contact_idx on contacts (contact_user_id);

create table if not exists conversations (
    id         bigint primary key,
    tenant_id  bigint      not null references tenants (id),
    kind       text        not null check (kind in ('direct', 'group', 'channel')),
    name       text,
    topic      text,
    created_by bigint      references users (id),
    created_at timestamptz not null,
    region     text        not null
);
create index if not exists conversations_tenant_idx on conversations (tenant_id);
create index if not exists conversations_created_by_idx on conversations (created_by);

create table if not exists conversation_members (
    conversation_id bigint      not null references conversations (id),
    user_id         bigint      not null references users (id),
    role            text        not null check (role in ('owner', 'admin', 'member')),
    joined_at       timestamptz not null,
    left_at         timestamptz,
    primary key (conversation_id, user_id)
);
create index if not exists conversation_members_user_idx on conversation_members (user_id);

create table if not exists messages (
    id              bigint primary key,
    conversation_id bigint      not null references conversations (id),
    sender_id       bigint      not null references users (id),
    body            text        not null,
    created_at      timestamptz not null,
    edited_at       timestamptz,
    deleted_at      timestamptz,
    reply_to_id     bigint      references messages (id),
    mentions        bigint[]
);
create index if not exists messages_conversation_created_idx on messages (conversation_id, created_at);
create index if not exists messages_sender_idx on messages (sender_id);
create index if not exists messages_created_idx on messages (created_at);
create index if not exists messages_reply_to_idx on messages (reply_to_id);
create index if not exists messages_mentions_idx on messages using gin (mentions);

create table if not exists attachments (
    id             bigint primary key,
    message_id     bigint      not null references messages (id),
    uploader_id    bigint      not null references users (id),
    file_name      text        not null,
    size_bytes     bigint      not null,
    content_type   text        not null,
    blob_path      text        not null,
    storage_region text        not null,
    created_at     timestamptz not null
);
create index if not exists attachments_message_idx on attachments (message_id);
create index if not exists attachments_uploader_idx on attachments (uploader_id);

create table if not exists reactions (
    message_id bigint      not null references messages (id),
    user_id    bigint      not null references users (id),
    emoji      text        not null,
    created_at timestamptz not null,
    primary key (message_id, user_id, emoji)
);
create index if not exists reactions_user_idx on reactions (user_id);

create table if not exists read_receipts (
    conversation_id      bigint      not null references conversations (id),
    user_id              bigint      not null references users (id),
    last_read_message_id bigint      references messages (id),
    read_at              timestamptz not null,
    primary key (conversation_id, user_id)
);
create index if not exists read_receipts_user_idx on read_receipts (user_id);
create index if not exists read_receipts_last_read_idx on read_receipts (last_read_message_id);

create table if not exists calls (
    id              bigint primary key,
    conversation_id bigint      not null references conversations (id),
    initiator_id    bigint      not null references users (id),
    kind            text        not null check (kind in ('audio', 'video')),
    started_at      timestamptz not null,
    ended_at        timestamptz
);
create index if not exists calls_conversation_idx on calls (conversation_id);
create index if not exists calls_initiator_idx on calls (initiator_id);

create table if not exists call_participants (
    call_id   bigint      not null references calls (id),
    user_id   bigint      not null references users (id),
    joined_at timestamptz not null,
    left_at   timestamptz,
    ip        inet,
    primary key (call_id, user_id)
);
create index if not exists call_participants_user_idx on call_participants (user_id);

create table if not exists ai_interactions (
    id              bigint primary key,
    user_id         bigint      not null references users (id),
    conversation_id bigint      references conversations (id),
    prompt          text        not null,
    answer          text        not null,
    model           text        not null,
    created_at      timestamptz not null
);
create index if not exists ai_interactions_user_idx on ai_interactions (user_id);
create index if not exists ai_interactions_conversation_idx on ai_interactions (conversation_id);
