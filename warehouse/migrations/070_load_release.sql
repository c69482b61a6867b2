-- What discovery resolved each fetched file to (issue 11): the publisher's release and its id of the file, beside
-- the URL and the data set version already recorded. Sources at fixed addresses leave them null.
alter table meta.loads add column if not exists release varchar;
alter table meta.loads add column if not exists file_id varchar;
