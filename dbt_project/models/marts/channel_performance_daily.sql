-- Grain: one row per site, site-local day and channel of the sessions started that day.
{{ daily_mart('(tracking_id, site_date, channel)') }}
-- depends_on: {{ ref('stg_strata__events') }} (the oldest day refreshed_days may rebuild)

with

sessions as (

    select * from {{ ref('int_sessions_filtered') }}
    where {{ refreshed_days('site_date') }}

),

final as (

    select
        tracking_id,
        site_date,
        ifNull(channel, '(not set)') as channel,
        count() as count_sessions,
        uniqExact(client_id) as count_visitors,
        toUInt64(sum(count_pageviews)) as count_pageviews,
        countIf(is_bounce) as count_bounces,
        {{ ratio('countIf(is_bounce)', 'count()') }} as bounce_rate,
        {{ ratio('sum(duration_s)', 'count()') }} as avg_session_duration_s,
        countIf(is_converted) as count_converted_sessions,
        {{ ratio('countIf(is_converted)', 'count()') }} as conversion_rate,
        toFloat64(sum(ifNull(revenue, 0))) as revenue
    from sessions
    group by tracking_id, site_date, channel

)

select * from final
