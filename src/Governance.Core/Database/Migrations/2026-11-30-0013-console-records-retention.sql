-- The console's own records under retention: a closed request past its age keeps its reference, regime, type, dates
-- and outcome (for the metrics) and loses its contact data, notes and attachments; the time that happened is kept.
alter table gov.requests add column if not exists anonymised_at timestamptz;
