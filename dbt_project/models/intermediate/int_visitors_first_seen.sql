-- Each visitor's first site-local day in the hot window, and its week (weeks start on
-- Monday): the cohort of the retention mart.
with

events as (

    select * from {{ ref('int_events_filtered') }}

),

final as (

    select
        tracking_id,
        client_id,
        min(site_date) as first_seen_date,
        toMonday(min(site_date)) as cohort_week
    from events
    group by tracking_id, client_id

)

select * from final
