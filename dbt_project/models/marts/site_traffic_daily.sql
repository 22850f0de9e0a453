-- Grain: one row per site and site-local day with any human event or session start.
{{ daily_mart('(tracking_id, site_date)') }}
-- depends_on: {{ ref('stg_strata__events') }} (the oldest day refreshed_days may rebuild)

with

events as (

    select * from {{ ref('int_events_filtered') }}
    where {{ refreshed_days('site_date') }}

),

sessions as (

    select * from {{ ref('int_sessions_filtered') }}
    where {{ refreshed_days('site_date') }}

),

event_totals as (

    select
        tracking_id,
        site_date,
        countIf(event_type = 'pageview') as count_pageviews,
        count() as count_events,
        uniqExact(client_id) as count_visitors,
        toUInt64(0) as count_sessions,
        toUInt64(0) as count_bounces,
        toFloat64(0) as sum_session_duration_s
    from events
    group by tracking_id, site_date

),

session_totals as (

    select
        tracking_id,
        site_date,
        toUInt64(0) as count_pageviews,
        toUInt64(0) as count_events,
        toUInt64(0) as count_visitors,
        count() as count_sessions,
        countIf(is_bounce) as count_bounces,
        toFloat64(sum(duration_s)) as sum_session_duration_s
    from sessions
    group by tracking_id, site_date

),

combined as (

    select * from event_totals
    union all
    select * from session_totals

),

totals as (

    select
        tracking_id,
        site_date,
        sum(count_pageviews) as count_pageviews,
        sum(count_events) as count_events,
        sum(count_visitors) as count_visitors,
        sum(count_sessions) as count_sessions,
        sum(count_bounces) as count_bounces,
        sum(sum_session_duration_s) as sum_session_duration_s
    from combined
    group by tracking_id, site_date

),

final as (

    select
        * except (sum_session_duration_s),
        {{ ratio('count_bounces', 'count_sessions') }} as bounce_rate,
        {{ ratio('sum_session_duration_s', 'count_sessions') }} as avg_session_duration_s
    from totals

)

select * from final
