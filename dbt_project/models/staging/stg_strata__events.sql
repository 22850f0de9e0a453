-- One row per event of the hot window (bots included), renamed and typed for the models.
with

source as (

    select * from {{ source('strata', 'events') }}

),

renamed as (

    select
        tracking_id,
        event_id,
        client_id,
        user_id,
        event_type,
        event_name,
        event_at,
        event_date,
        site_date,
        page_url,
        page_path,
        referrer_host,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        country,
        region,
        city,
        device,
        browser,
        os,
        revenue_amount,
        revenue_currency,
        transaction_id,
        properties,
        is_bot

    from source

)

select * from renamed
