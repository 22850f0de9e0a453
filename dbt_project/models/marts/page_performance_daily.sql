-- Grain: one row per site, site-local day and page path with a page view, an entry or
-- an exit that day.
{{ daily_mart('(tracking_id, site_date, page_path)') }}
-- depends_on: {{ ref('stg_strata__events') }} (the oldest day refreshed_days may rebuild)

with

pageviews as (

    select * from {{ ref('int_events_filtered') }}
    where event_type = 'pageview'
      and {{ refreshed_days('site_date') }}

),

sessions as (

    select * from {{ ref('int_sessions_filtered') }}
    where {{ refreshed_days('site_date') }}

),

views as (

    select
        tracking_id,
        site_date,
        ifNull(page_path, '(not set)') as page_path,
        count() as count_pageviews,
        uniqExact(client_id) as count_visitors,
        toUInt64(0) as count_entries,
        toUInt64(0) as count_exits,
        toUInt64(0) as count_bounces
    from pageviews
    group by tracking_id, site_date, page_path

),

entries as (

    select
        tracking_id,
        site_date,
        ifNull(entry_page, '(not set)') as page_path,
        toUInt64(0) as count_pageviews,
        toUInt64(0) as count_visitors,
        count() as count_entries,
        toUInt64(0) as count_exits,
        countIf(is_bounce) as count_bounces
    from sessions
    group by tracking_id, site_date, page_path

),

exits as (

    select
        tracking_id,
        site_date,
        ifNull(exit_page, '(not set)') as page_path,
        toUInt64(0) as count_pageviews,
        toUInt64(0) as count_visitors,
        toUInt64(0) as count_entries,
        count() as count_exits,
        toUInt64(0) as count_bounces
    from sessions
    group by tracking_id, site_date, page_path

),

combined as (

    select * from views
    union all
    select * from entries
    union all
    select * from exits

),

totals as (

    select
        tracking_id,
        site_date,
        page_path,
        sum(count_pageviews) as count_pageviews,
        sum(count_visitors) as count_visitors,
        sum(count_entries) as count_entries,
        sum(count_exits) as count_exits,
        sum(count_bounces) as count_bounces
    from combined
    group by tracking_id, site_date, page_path

),

final as (

    select
        *,
        {{ ratio('count_bounces', 'count_entries') }} as bounce_rate
    from totals

)

select * from final
