-- Grain: one row per site and site-local day with any human event or session start
-- (the days of site_traffic_daily, whose visitors and sessions it reuses).
{{ daily_mart('(tracking_id, site_date)') }}
-- depends_on: {{ ref('stg_strata__events') }} (the oldest day refreshed_days may rebuild)

with

traffic as (

    select * from {{ ref('site_traffic_daily') }}
    where {{ refreshed_days('site_date') }}

),

events as (

    select * from {{ ref('int_events_filtered') }}
    where event_type in ('purchase', 'transaction')
      and {{ refreshed_days('site_date') }}

),

sessions as (

    select * from {{ ref('int_sessions_filtered') }}
    where is_converted
      and {{ refreshed_days('site_date') }}

),

orders as (

    select
        tracking_id,
        site_date,
        count() as count_orders,
        toFloat64(sum(ifNull(revenue_amount, 0))) as revenue,
        uniqExact(client_id) as count_buyers
    from events
    group by tracking_id, site_date

),

converted as (

    select tracking_id, site_date, count() as count_converted_sessions
    from sessions
    group by tracking_id, site_date

),

final as (

    select
        traffic.tracking_id as tracking_id,
        traffic.site_date as site_date,
        toUInt64(orders.count_orders) as count_orders,
        toFloat64(orders.revenue) as revenue,
        traffic.count_visitors as count_visitors,
        toUInt64(orders.count_buyers) as count_buyers,
        traffic.count_sessions as count_sessions,
        toUInt64(converted.count_converted_sessions) as count_converted_sessions,
        {{ ratio('count_converted_sessions', 'count_sessions') }} as conversion_rate,
        {{ ratio('revenue', 'count_visitors') }} as revenue_per_visitor
    from traffic
    left join orders
        on orders.tracking_id = traffic.tracking_id and orders.site_date = traffic.site_date
    left join converted
        on converted.tracking_id = traffic.tracking_id
        and converted.site_date = traffic.site_date

)

select * from final
