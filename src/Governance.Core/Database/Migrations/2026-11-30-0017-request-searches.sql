-- The latest store search of each request: where the person was found (store, region, ids, rows per collection), so
-- that the result stays with the request instead of vanishing when the page is left. Each search is also in the
-- audit log (person.search). Anonymising a closed request deletes its search with its notes and attachments.
create table if not exists gov.request_searches (
    request_id  uuid        primary key references gov.requests (id),
    searched_at timestamptz not null,
    searched_by text        not null,
    results     jsonb       not null
);
