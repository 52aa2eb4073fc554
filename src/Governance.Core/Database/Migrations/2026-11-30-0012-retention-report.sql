-- The retention execution report is stored like the other reports.
alter table gov.reports drop constraint if exists reports_kind_check;
alter table gov.reports add constraint reports_kind_check check (kind in ('requests', 'audit', 'ropa', 'erasure', 'retention'));
