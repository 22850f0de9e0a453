-- Grain: one row per site, cohort week (the Monday-starting, site-local week of a
-- visitor's first event in the hot window) and week number 0..retention_weeks, up to
-- the site's latest week with data. Rebuilt whole on every run: a late event can move
-- a visitor's first week.
{%- set weeks = var('retention_weeks') | int %}
{{
    config(
        materialized='table',
        order_by='(tracking_id, cohort_week, week_number)',
        engine='MergeTree()',
    )
}}

with

events as (

    select * from {{ ref('int_events_filtered') }}

),

first_seen as (

    select * from {{ ref('int_visitors_first_seen') }}

),

active_weeks as (

    select distinct tracking_id, client_id, toMonday(site_date) as active_week
    from events

),

latest_weeks as (

    select tracking_id, max(active_week) as latest_week
    from active_weeks
    group by tracking_id

),

cohorts as (

    select tracking_id, cohort_week, count() as count_cohort_visitors
    from first_seen
    group by tracking_id, cohort_week

),

cohort_spans as (

    select
        cohorts.tracking_id as tracking_id,
        cohorts.cohort_week as cohort_week,
        cohorts.count_cohort_visitors as count_cohort_visitors,
        least(
            {{ weeks }},
            intDiv(dateDiff('day', cohorts.cohort_week, latest_weeks.latest_week), 7)
        ) as last_week_number
    from cohorts
    inner join latest_weeks on latest_weeks.tracking_id = cohorts.tracking_id

),

grid as (

    select
        tracking_id,
        cohort_week,
        count_cohort_visitors,
        toUInt16(week_number) as week_number
    from cohort_spans
    array join range(toUInt64(last_week_number) + 1) as week_number

),

returning as (

    select
        first_seen.tracking_id as tracking_id,
        first_seen.cohort_week as cohort_week,
        toUInt16(intDiv(dateDiff('day', first_seen.cohort_week, active_weeks.active_week), 7))
            as week_number,
        count() as count_returning_visitors
    from first_seen
    inner join active_weeks
        on active_weeks.tracking_id = first_seen.tracking_id
        and active_weeks.client_id = first_seen.client_id
    group by tracking_id, cohort_week, week_number

),

final as (

    select
        grid.tracking_id as tracking_id,
        grid.cohort_week as cohort_week,
        grid.week_number as week_number,
        grid.count_cohort_visitors as count_cohort_visitors,
        ifNull(returning.count_returning_visitors, 0) as count_returning_visitors,
        ifNull(returning.count_returning_visitors, 0) / grid.count_cohort_visitors
            as retention_rate
    from grid
    left join returning
        on returning.tracking_id = grid.tracking_id
        and returning.cohort_week = grid.cohort_week
        and returning.week_number = grid.week_number

)

select * from final
