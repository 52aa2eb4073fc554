-- The password-protected copy of a package that staff hand to the person (a WinZip AES-256 ZIP). Its password is
-- shown once to whoever made it and never kept; the copy is deleted with its package.
alter table gov.exports add column if not exists copy_file_name text check (copy_file_name ~ '^[0-9a-f]{32}\.person\.zip$');
alter table gov.exports add column if not exists copy_sha256 text check (copy_sha256 ~ '^[0-9a-f]{64}$');
alter table gov.exports add column if not exists copy_size_bytes bigint;
alter table gov.exports add column if not exists copy_made_at timestamptz;
alter table gov.exports add column if not exists copy_made_by text;
