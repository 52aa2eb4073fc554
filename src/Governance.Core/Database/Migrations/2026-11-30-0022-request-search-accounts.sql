-- The accounts each request's latest store search found, one row per store and account id, unpacked from the kept
-- JSON once here instead of in every query that matches people across requests (duplicates, restrictions).
create or replace view gov.request_search_accounts as
    select s.request_id, m->>'store' as store, p.value as person_id
    from gov.request_searches s
        cross join lateral jsonb_array_elements(s.results) m
        cross join lateral jsonb_array_elements_text(m->'personIds') p;
