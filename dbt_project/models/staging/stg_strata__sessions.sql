-- One row per session of the hot window (bots included), renamed and typed for the models.
with

source as (

    select * from {{ source('strata', 'sessions') }}

),

renamed as (

    select
        tracking_id,
        session_id,
        client_id,
        user_id,
        started_at,
        ended_at,
        session_date,
        site_date,
        duration_s,
        count_pageviews,
        count_events,
        entry_page,
        exit_page,
        referrer_host,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        country,
        device,
        browser,
        os,
        is_bounce,
        is_converted,
        revenue,
        is_bot

    from source

)

select * from renamed
