CREATE TABLE IF NOT EXISTS events_local ON CLUSTER 'strata' (
    event_id String COMMENT 'Id of the event, unique within its site (the sender\'s, or derived)',
    tracking_id LowCardinality(String) COMMENT 'Site the event belongs to',
    client_id String COMMENT 'Anonymous device or browser id',
    session_hint Nullable(String) COMMENT 'Session id the sender suggested (Strata sessionizes itself)',
    user_id Nullable(String) COMMENT 'Logged-in user id, when the site sent one',
    event_type LowCardinality(String) COMMENT 'pageview, event, click, transaction, purchase, identify, web_vital, error or engagement',
    event_name LowCardinality(Nullable(String)) COMMENT 'Name of a custom event',
    event_at DateTime64(6, 'UTC') COMMENT 'When the event happened (UTC, microseconds)',
    received_at DateTime64(6, 'UTC') COMMENT 'When the gateway received it (UTC, microseconds)',
    event_date Date COMMENT 'UTC date of event_at (the partition)',
    site_date Date COMMENT 'Date of event_at in the site\'s report time zone (the day reports use)',
    page_url Nullable(String) COMMENT 'Full page URL',
    page_title Nullable(String) COMMENT 'Page title',
    page_referrer Nullable(String) COMMENT 'Referrer URL',
    page_host LowCardinality(Nullable(String)) COMMENT 'Host of the page URL',
    page_path LowCardinality(Nullable(String)) COMMENT 'Path of the page URL, without query string or trailing slash',
    referrer_host LowCardinality(Nullable(String)) COMMENT 'Host of an external referrer, without www.',
    utm_source LowCardinality(Nullable(String)) COMMENT 'utm_source of the page URL, lower case',
    utm_medium LowCardinality(Nullable(String)) COMMENT 'utm_medium of the page URL, lower case',
    utm_campaign LowCardinality(Nullable(String)) COMMENT 'utm_campaign of the page URL, lower case',
    utm_term LowCardinality(Nullable(String)) COMMENT 'utm_term of the page URL, lower case',
    utm_content LowCardinality(Nullable(String)) COMMENT 'utm_content of the page URL, lower case',
    channel LowCardinality(Nullable(String)) COMMENT 'GA4-style default channel group',
    properties Map(String, String) COMMENT 'Custom properties: key to value (non-strings as JSON text)',
    revenue_amount Nullable(Float64) COMMENT 'Revenue of a purchase or transaction, in revenue_currency',
    revenue_currency LowCardinality(Nullable(String)) COMMENT 'ISO 4217 currency code of revenue_amount',
    transaction_id Nullable(String) COMMENT 'Order or transaction id',
    experiment_id LowCardinality(Nullable(String)) COMMENT 'A/B experiment the visitor was exposed to',
    experiment_variant LowCardinality(Nullable(String)) COMMENT 'Variant of the experiment',
    screen LowCardinality(Nullable(String)) COMMENT 'Screen size, <width>x<height> pixels',
    language LowCardinality(Nullable(String)) COMMENT 'Browser language (BCP 47 tag)',
    client_timezone LowCardinality(Nullable(String)) COMMENT 'Browser time zone (IANA name)',
    ip Nullable(String) COMMENT 'IP address, anonymized to /24 (IPv6 /48) unless the site opted in',
    country LowCardinality(Nullable(String)) COMMENT 'ISO 3166-1 alpha-2 country of the IP',
    region LowCardinality(Nullable(String)) COMMENT 'Region of the IP (with a MaxMind City database)',
    city LowCardinality(Nullable(String)) COMMENT 'City of the IP (with a MaxMind City database)',
    device LowCardinality(Nullable(String)) COMMENT 'desktop, mobile, tablet or bot',
    browser LowCardinality(Nullable(String)) COMMENT 'Browser family',
    browser_version LowCardinality(Nullable(String)) COMMENT 'Browser major version',
    os LowCardinality(Nullable(String)) COMMENT 'Operating system family',
    os_version LowCardinality(Nullable(String)) COMMENT 'Operating system major version',
    is_bot Bool COMMENT 'Crawler, monitor or headless browser (excluded from reports)',
    engaged_ms Nullable(Int64) COMMENT 'Engagement records: milliseconds the page was visible since the last record',
    scroll_depth Nullable(Int16) COMMENT 'Engagement records: deepest scroll so far, percent of the page',
    is_interactive Bool COMMENT 'False for an event that is no interaction (it does not end a bounce)',
    properties_json Nullable(String) COMMENT 'Custom properties as sent (a JSON object)',
    client_key UInt64 MATERIALIZED sipHash64(client_id) COMMENT 'sipHash64(client_id), computed on insert: count distinct visitors over it',
    prop_element_id LowCardinality(Nullable(String)) MATERIALIZED if(mapContains(properties, 'element_id'), properties['element_id'], NULL) COMMENT 'The custom property element_id (NULL when absent), filled from properties on insert',
    PROJECTION exposures (SELECT tracking_id, event_date, is_bot, event_type = 'engagement', experiment_id, experiment_variant, client_key, min(event_at) GROUP BY tracking_id, event_date, is_bot, event_type = 'engagement', experiment_id, experiment_variant, client_key)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/events_local', '{replica}')
PARTITION BY event_date
ORDER BY (tracking_id, event_date, client_id, event_at)
TTL event_date + INTERVAL 30 DAY
COMMENT 'Every event of the hot window, bots included (is_bot); one row per (tracking_id, event_id); times in UTC';

CREATE TABLE IF NOT EXISTS events ON CLUSTER 'strata' AS events_local ENGINE = Distributed('strata', currentDatabase(), 'events_local', cityHash64(tracking_id, client_id));

CREATE TABLE IF NOT EXISTS events__staging_local ON CLUSTER 'strata' (
    event_id String COMMENT 'Id of the event, unique within its site (the sender\'s, or derived)',
    tracking_id LowCardinality(String) COMMENT 'Site the event belongs to',
    client_id String COMMENT 'Anonymous device or browser id',
    session_hint Nullable(String) COMMENT 'Session id the sender suggested (Strata sessionizes itself)',
    user_id Nullable(String) COMMENT 'Logged-in user id, when the site sent one',
    event_type LowCardinality(String) COMMENT 'pageview, event, click, transaction, purchase, identify, web_vital, error or engagement',
    event_name LowCardinality(Nullable(String)) COMMENT 'Name of a custom event',
    event_at DateTime64(6, 'UTC') COMMENT 'When the event happened (UTC, microseconds)',
    received_at DateTime64(6, 'UTC') COMMENT 'When the gateway received it (UTC, microseconds)',
    event_date Date COMMENT 'UTC date of event_at (the partition)',
    site_date Date COMMENT 'Date of event_at in the site\'s report time zone (the day reports use)',
    page_url Nullable(String) COMMENT 'Full page URL',
    page_title Nullable(String) COMMENT 'Page title',
    page_referrer Nullable(String) COMMENT 'Referrer URL',
    page_host LowCardinality(Nullable(String)) COMMENT 'Host of the page URL',
    page_path LowCardinality(Nullable(String)) COMMENT 'Path of the page URL, without query string or trailing slash',
    referrer_host LowCardinality(Nullable(String)) COMMENT 'Host of an external referrer, without www.',
    utm_source LowCardinality(Nullable(String)) COMMENT 'utm_source of the page URL, lower case',
    utm_medium LowCardinality(Nullable(String)) COMMENT 'utm_medium of the page URL, lower case',
    utm_campaign LowCardinality(Nullable(String)) COMMENT 'utm_campaign of the page URL, lower case',
    utm_term LowCardinality(Nullable(String)) COMMENT 'utm_term of the page URL, lower case',
    utm_content LowCardinality(Nullable(String)) COMMENT 'utm_content of the page URL, lower case',
    channel LowCardinality(Nullable(String)) COMMENT 'GA4-style default channel group',
    properties Map(String, String) COMMENT 'Custom properties: key to value (non-strings as JSON text)',
    revenue_amount Nullable(Float64) COMMENT 'Revenue of a purchase or transaction, in revenue_currency',
    revenue_currency LowCardinality(Nullable(String)) COMMENT 'ISO 4217 currency code of revenue_amount',
    transaction_id Nullable(String) COMMENT 'Order or transaction id',
    experiment_id LowCardinality(Nullable(String)) COMMENT 'A/B experiment the visitor was exposed to',
    experiment_variant LowCardinality(Nullable(String)) COMMENT 'Variant of the experiment',
    screen LowCardinality(Nullable(String)) COMMENT 'Screen size, <width>x<height> pixels',
    language LowCardinality(Nullable(String)) COMMENT 'Browser language (BCP 47 tag)',
    client_timezone LowCardinality(Nullable(String)) COMMENT 'Browser time zone (IANA name)',
    ip Nullable(String) COMMENT 'IP address, anonymized to /24 (IPv6 /48) unless the site opted in',
    country LowCardinality(Nullable(String)) COMMENT 'ISO 3166-1 alpha-2 country of the IP',
    region LowCardinality(Nullable(String)) COMMENT 'Region of the IP (with a MaxMind City database)',
    city LowCardinality(Nullable(String)) COMMENT 'City of the IP (with a MaxMind City database)',
    device LowCardinality(Nullable(String)) COMMENT 'desktop, mobile, tablet or bot',
    browser LowCardinality(Nullable(String)) COMMENT 'Browser family',
    browser_version LowCardinality(Nullable(String)) COMMENT 'Browser major version',
    os LowCardinality(Nullable(String)) COMMENT 'Operating system family',
    os_version LowCardinality(Nullable(String)) COMMENT 'Operating system major version',
    is_bot Bool COMMENT 'Crawler, monitor or headless browser (excluded from reports)',
    engaged_ms Nullable(Int64) COMMENT 'Engagement records: milliseconds the page was visible since the last record',
    scroll_depth Nullable(Int16) COMMENT 'Engagement records: deepest scroll so far, percent of the page',
    is_interactive Bool COMMENT 'False for an event that is no interaction (it does not end a bounce)',
    properties_json Nullable(String) COMMENT 'Custom properties as sent (a JSON object)',
    client_key UInt64 MATERIALIZED sipHash64(client_id) COMMENT 'sipHash64(client_id), computed on insert: count distinct visitors over it',
    prop_element_id LowCardinality(Nullable(String)) MATERIALIZED if(mapContains(properties, 'element_id'), properties['element_id'], NULL) COMMENT 'The custom property element_id (NULL when absent), filled from properties on insert',
    PROJECTION exposures (SELECT tracking_id, event_date, is_bot, event_type = 'engagement', experiment_id, experiment_variant, client_key, min(event_at) GROUP BY tracking_id, event_date, is_bot, event_type = 'engagement', experiment_id, experiment_variant, client_key)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/events__staging_local', '{replica}')
PARTITION BY event_date
ORDER BY (tracking_id, event_date, client_id, event_at)

COMMENT 'Every event of the hot window, bots included (is_bot); one row per (tracking_id, event_id); times in UTC';

CREATE TABLE IF NOT EXISTS events__staging ON CLUSTER 'strata' AS events__staging_local ENGINE = Distributed('strata', currentDatabase(), 'events__staging_local', cityHash64(tracking_id, client_id));

CREATE TABLE IF NOT EXISTS sessions_local ON CLUSTER 'strata' (
    session_id String COMMENT 'Id of the session (s_ + its first event\'s id)',
    tracking_id LowCardinality(String) COMMENT 'Site the session belongs to',
    client_id String COMMENT 'Anonymous device or browser id',
    user_id Nullable(String) COMMENT 'Last logged-in user id seen in the session',
    started_at DateTime64(6, 'UTC') COMMENT 'First event (UTC, microseconds)',
    ended_at DateTime64(6, 'UTC') COMMENT 'Last event (UTC, microseconds)',
    session_date Date COMMENT 'UTC date of started_at (the partition)',
    site_date Date COMMENT 'Date of started_at in the site\'s report time zone (the day reports use)',
    duration_s Nullable(Float64) COMMENT 'ended_at - started_at, seconds',
    count_pageviews UInt32 COMMENT 'Page views in the session',
    count_events UInt32 COMMENT 'Events in the session (engagement records excluded)',
    entry_page LowCardinality(Nullable(String)) COMMENT 'Path of the first page view',
    exit_page LowCardinality(Nullable(String)) COMMENT 'Path of the last page view',
    referrer_host LowCardinality(Nullable(String)) COMMENT 'External referrer of the first event',
    country LowCardinality(Nullable(String)) COMMENT 'Country of the first event',
    device LowCardinality(Nullable(String)) COMMENT 'Device class of the first event',
    browser LowCardinality(Nullable(String)) COMMENT 'Browser of the first event',
    os LowCardinality(Nullable(String)) COMMENT 'Operating system of the first event',
    channel LowCardinality(Nullable(String)) COMMENT 'Default channel group of the first event',
    utm_source LowCardinality(Nullable(String)) COMMENT 'utm_source of the first event',
    utm_medium LowCardinality(Nullable(String)) COMMENT 'utm_medium of the first event',
    utm_campaign LowCardinality(Nullable(String)) COMMENT 'utm_campaign of the first event',
    is_bounce Bool COMMENT 'One page view and no engagement event',
    is_converted Bool COMMENT 'Has a purchase or transaction',
    revenue Nullable(Float64) COMMENT 'Revenue of the session\'s purchases and transactions',
    is_bot Bool COMMENT 'Any event of the session came from a bot',
    client_key UInt64 MATERIALIZED sipHash64(client_id) COMMENT 'sipHash64(client_id), computed on insert: count distinct visitors over it'
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/sessions_local', '{replica}')
PARTITION BY session_date
ORDER BY (tracking_id, session_date, client_id, started_at)
TTL session_date + INTERVAL 30 DAY
COMMENT 'Every session of the hot window, one row per session, on the UTC day it started';

CREATE TABLE IF NOT EXISTS sessions ON CLUSTER 'strata' AS sessions_local ENGINE = Distributed('strata', currentDatabase(), 'sessions_local', cityHash64(tracking_id, client_id));

CREATE TABLE IF NOT EXISTS sessions__staging_local ON CLUSTER 'strata' (
    session_id String COMMENT 'Id of the session (s_ + its first event\'s id)',
    tracking_id LowCardinality(String) COMMENT 'Site the session belongs to',
    client_id String COMMENT 'Anonymous device or browser id',
    user_id Nullable(String) COMMENT 'Last logged-in user id seen in the session',
    started_at DateTime64(6, 'UTC') COMMENT 'First event (UTC, microseconds)',
    ended_at DateTime64(6, 'UTC') COMMENT 'Last event (UTC, microseconds)',
    session_date Date COMMENT 'UTC date of started_at (the partition)',
    site_date Date COMMENT 'Date of started_at in the site\'s report time zone (the day reports use)',
    duration_s Nullable(Float64) COMMENT 'ended_at - started_at, seconds',
    count_pageviews UInt32 COMMENT 'Page views in the session',
    count_events UInt32 COMMENT 'Events in the session (engagement records excluded)',
    entry_page LowCardinality(Nullable(String)) COMMENT 'Path of the first page view',
    exit_page LowCardinality(Nullable(String)) COMMENT 'Path of the last page view',
    referrer_host LowCardinality(Nullable(String)) COMMENT 'External referrer of the first event',
    country LowCardinality(Nullable(String)) COMMENT 'Country of the first event',
    device LowCardinality(Nullable(String)) COMMENT 'Device class of the first event',
    browser LowCardinality(Nullable(String)) COMMENT 'Browser of the first event',
    os LowCardinality(Nullable(String)) COMMENT 'Operating system of the first event',
    channel LowCardinality(Nullable(String)) COMMENT 'Default channel group of the first event',
    utm_source LowCardinality(Nullable(String)) COMMENT 'utm_source of the first event',
    utm_medium LowCardinality(Nullable(String)) COMMENT 'utm_medium of the first event',
    utm_campaign LowCardinality(Nullable(String)) COMMENT 'utm_campaign of the first event',
    is_bounce Bool COMMENT 'One page view and no engagement event',
    is_converted Bool COMMENT 'Has a purchase or transaction',
    revenue Nullable(Float64) COMMENT 'Revenue of the session\'s purchases and transactions',
    is_bot Bool COMMENT 'Any event of the session came from a bot',
    client_key UInt64 MATERIALIZED sipHash64(client_id) COMMENT 'sipHash64(client_id), computed on insert: count distinct visitors over it'
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/sessions__staging_local', '{replica}')
PARTITION BY session_date
ORDER BY (tracking_id, session_date, client_id, started_at)

COMMENT 'Every session of the hot window, one row per session, on the UTC day it started';

CREATE TABLE IF NOT EXISTS sessions__staging ON CLUSTER 'strata' AS sessions__staging_local ENGINE = Distributed('strata', currentDatabase(), 'sessions__staging_local', cityHash64(tracking_id, client_id));

CREATE TABLE IF NOT EXISTS rollup_hourly_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), hour DateTime('UTC'),
    page_path String,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(uniqCombined64(20), String),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/rollup_hourly_local', '{replica}')
PARTITION BY toDate(hour)
ORDER BY (tracking_id, hour, page_path, country, device, browser, os, channel, utm_source, utm_medium, utm_campaign)
TTL toDate(hour) + INTERVAL 730 DAY
COMMENT 'Traffic per site, UTC hours, page and session attributes; distinct users as mergeable states';

CREATE TABLE IF NOT EXISTS rollup_hourly ON CLUSTER 'strata' AS rollup_hourly_local ENGINE = Distributed('strata', currentDatabase(), 'rollup_hourly_local', cityHash64(tracking_id));

CREATE TABLE IF NOT EXISTS rollup_hourly__staging_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), hour DateTime('UTC'),
    page_path String,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(uniqCombined64(20), String),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/rollup_hourly__staging_local', '{replica}')
PARTITION BY toDate(hour)
ORDER BY (tracking_id, hour, page_path, country, device, browser, os, channel, utm_source, utm_medium, utm_campaign)
COMMENT 'Traffic per site, UTC hours, page and session attributes; distinct users as mergeable states';

CREATE TABLE IF NOT EXISTS rollup_hourly__staging ON CLUSTER 'strata' AS rollup_hourly__staging_local ENGINE = Distributed('strata', currentDatabase(), 'rollup_hourly__staging_local', cityHash64(tracking_id));

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN tracking_id 'Site';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN hour 'UTC hour the row covers (rollup_hourly)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN page_path 'Page path (for session measures: the session s entry page)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN country 'country of the session (its first event)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN device 'device of the session (its first event)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN browser 'browser of the session (its first event)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN os 'os of the session (its first event)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN channel 'channel of the session (its first event)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN utm_source 'utm_source of the session (its first event)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN utm_medium 'utm_medium of the session (its first event)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN utm_campaign 'utm_campaign of the session (its first event)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN count_pageviews 'Page views (bots excluded)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN count_events 'Events of every type but engagement records';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN users 'Distinct clients, as a mergeable uniqCombined64(20) state: never add them up';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN count_sessions 'Sessions that started in this bucket with this entry page';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN count_bounces 'Of those, bounces';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_duration_s 'Of those, summed duration in seconds';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN sum_engaged_ms 'Engaged milliseconds of the page views';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN count_engaged_pageviews 'Page views that reported engagement';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN sum_scroll_depth 'Summed deepest scroll (percent) of the page views that reported one';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN count_scrolled_pageviews 'Page views that reported a scroll depth';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_engaged_ms 'Engaged milliseconds of the sessions counted here';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN sum_revenue 'Revenue of purchases and transactions, amounts as sent (no conversion)';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN count_orders 'Purchases and transactions';

ALTER TABLE rollup_hourly_local ON CLUSTER 'strata' COMMENT COLUMN count_converted_sessions 'Sessions counted here with a purchase or transaction';

CREATE TABLE IF NOT EXISTS rollup_hourly__raw (tracking_id String, hour DateTime('UTC'),
    page_path String,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews UInt64,
    count_events UInt64,
    users Array(String),
    count_sessions UInt64,
    count_bounces UInt64,
    sum_session_duration_s Float64,
    sum_engaged_ms UInt64,
    count_engaged_pageviews UInt64,
    sum_scroll_depth UInt64,
    count_scrolled_pageviews UInt64,
    sum_session_engaged_ms UInt64,
    sum_revenue Float64,
    count_orders UInt64,
    count_converted_sessions UInt64
) ENGINE = Memory;

CREATE TABLE IF NOT EXISTS rollup_daily_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    page_path String,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(uniqCombined64(20), String),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/rollup_daily_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date, page_path, country, device, browser, os, channel, utm_source, utm_medium, utm_campaign)
TTL toDate(date) + INTERVAL 730 DAY
COMMENT 'Traffic per site, days in each site time zone, page and session attributes; distinct users as mergeable states';

CREATE TABLE IF NOT EXISTS rollup_daily ON CLUSTER 'strata' AS rollup_daily_local ENGINE = Distributed('strata', currentDatabase(), 'rollup_daily_local', cityHash64(tracking_id));

CREATE TABLE IF NOT EXISTS rollup_daily__staging_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    page_path String,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(uniqCombined64(20), String),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/rollup_daily__staging_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date, page_path, country, device, browser, os, channel, utm_source, utm_medium, utm_campaign)
COMMENT 'Traffic per site, days in each site time zone, page and session attributes; distinct users as mergeable states';

CREATE TABLE IF NOT EXISTS rollup_daily__staging ON CLUSTER 'strata' AS rollup_daily__staging_local ENGINE = Distributed('strata', currentDatabase(), 'rollup_daily__staging_local', cityHash64(tracking_id));

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN tracking_id 'Site';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN date 'Day in the site s time zone the row covers (rollup_daily)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN page_path 'Page path (for session measures: the session s entry page)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN country 'country of the session (its first event)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN device 'device of the session (its first event)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN browser 'browser of the session (its first event)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN os 'os of the session (its first event)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN channel 'channel of the session (its first event)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN utm_source 'utm_source of the session (its first event)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN utm_medium 'utm_medium of the session (its first event)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN utm_campaign 'utm_campaign of the session (its first event)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN count_pageviews 'Page views (bots excluded)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN count_events 'Events of every type but engagement records';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN users 'Distinct clients, as a mergeable uniqCombined64(20) state: never add them up';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN count_sessions 'Sessions that started in this bucket with this entry page';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN count_bounces 'Of those, bounces';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_duration_s 'Of those, summed duration in seconds';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN sum_engaged_ms 'Engaged milliseconds of the page views';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN count_engaged_pageviews 'Page views that reported engagement';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN sum_scroll_depth 'Summed deepest scroll (percent) of the page views that reported one';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN count_scrolled_pageviews 'Page views that reported a scroll depth';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_engaged_ms 'Engaged milliseconds of the sessions counted here';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN sum_revenue 'Revenue of purchases and transactions, amounts as sent (no conversion)';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN count_orders 'Purchases and transactions';

ALTER TABLE rollup_daily_local ON CLUSTER 'strata' COMMENT COLUMN count_converted_sessions 'Sessions counted here with a purchase or transaction';

CREATE TABLE IF NOT EXISTS rollup_daily__raw (tracking_id String, date Date,
    page_path String,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews UInt64,
    count_events UInt64,
    users Array(String),
    count_sessions UInt64,
    count_bounces UInt64,
    sum_session_duration_s Float64,
    sum_engaged_ms UInt64,
    count_engaged_pageviews UInt64,
    sum_scroll_depth UInt64,
    count_scrolled_pageviews UInt64,
    sum_session_engaged_ms UInt64,
    sum_revenue Float64,
    count_orders UInt64,
    count_converted_sessions UInt64
) ENGINE = Memory;

CREATE TABLE IF NOT EXISTS cube_daily_totals_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_daily_totals_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date)
TTL toDate(date) + INTERVAL 730 DAY
COMMENT 'Per site and site-local day: totals; distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_daily_totals ON CLUSTER 'strata' AS cube_daily_totals_local ENGINE = Distributed('strata', currentDatabase(), 'cube_daily_totals_local', cityHash64(tracking_id));

CREATE TABLE IF NOT EXISTS cube_daily_totals__staging_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_daily_totals__staging_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date)
COMMENT 'Per site and site-local day: totals; distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_daily_totals__staging ON CLUSTER 'strata' AS cube_daily_totals__staging_local ENGINE = Distributed('strata', currentDatabase(), 'cube_daily_totals__staging_local', cityHash64(tracking_id));

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN tracking_id 'Site';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN date 'Day in the site s time zone the row covers (rollup_daily)';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_pageviews 'Page views (bots excluded)';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_events 'Events of every type but engagement records';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN users 'Distinct clients, as a bitmap of their visitor_numbers (exact): merge with groupBitmapMerge, never add counts up';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_sessions 'Sessions that started in this bucket with this entry page';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_bounces 'Of those, bounces';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_duration_s 'Of those, summed duration in seconds';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_engaged_ms 'Engaged milliseconds of the page views';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_engaged_pageviews 'Page views that reported engagement';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_scroll_depth 'Summed deepest scroll (percent) of the page views that reported one';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_scrolled_pageviews 'Page views that reported a scroll depth';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_engaged_ms 'Engaged milliseconds of the sessions counted here';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_revenue 'Revenue of purchases and transactions, amounts as sent (no conversion)';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_orders 'Purchases and transactions';

ALTER TABLE cube_daily_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_converted_sessions 'Sessions counted here with a purchase or transaction';

CREATE TABLE IF NOT EXISTS cube_daily_totals__raw (tracking_id String, date Date,
    count_pageviews UInt64,
    count_events UInt64,
    users Array(String),
    count_sessions UInt64,
    count_bounces UInt64,
    sum_session_duration_s Float64,
    sum_engaged_ms UInt64,
    count_engaged_pageviews UInt64,
    sum_scroll_depth UInt64,
    count_scrolled_pageviews UInt64,
    sum_session_engaged_ms UInt64,
    sum_revenue Float64,
    count_orders UInt64,
    count_converted_sessions UInt64
) ENGINE = Memory;

CREATE TABLE IF NOT EXISTS cube_hourly_totals_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), hour DateTime('UTC'),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_hourly_totals_local', '{replica}')
PARTITION BY toDate(hour)
ORDER BY (tracking_id, hour)
TTL toDate(hour) + INTERVAL 730 DAY
COMMENT 'Per site and UTC hour: totals; distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_hourly_totals ON CLUSTER 'strata' AS cube_hourly_totals_local ENGINE = Distributed('strata', currentDatabase(), 'cube_hourly_totals_local', cityHash64(tracking_id));

CREATE TABLE IF NOT EXISTS cube_hourly_totals__staging_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), hour DateTime('UTC'),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_hourly_totals__staging_local', '{replica}')
PARTITION BY toDate(hour)
ORDER BY (tracking_id, hour)
COMMENT 'Per site and UTC hour: totals; distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_hourly_totals__staging ON CLUSTER 'strata' AS cube_hourly_totals__staging_local ENGINE = Distributed('strata', currentDatabase(), 'cube_hourly_totals__staging_local', cityHash64(tracking_id));

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN tracking_id 'Site';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN hour 'UTC hour the row covers (rollup_hourly)';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_pageviews 'Page views (bots excluded)';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_events 'Events of every type but engagement records';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN users 'Distinct clients, as a bitmap of their visitor_numbers (exact): merge with groupBitmapMerge, never add counts up';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_sessions 'Sessions that started in this bucket with this entry page';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_bounces 'Of those, bounces';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_duration_s 'Of those, summed duration in seconds';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_engaged_ms 'Engaged milliseconds of the page views';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_engaged_pageviews 'Page views that reported engagement';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_scroll_depth 'Summed deepest scroll (percent) of the page views that reported one';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_scrolled_pageviews 'Page views that reported a scroll depth';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_engaged_ms 'Engaged milliseconds of the sessions counted here';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN sum_revenue 'Revenue of purchases and transactions, amounts as sent (no conversion)';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_orders 'Purchases and transactions';

ALTER TABLE cube_hourly_totals_local ON CLUSTER 'strata' COMMENT COLUMN count_converted_sessions 'Sessions counted here with a purchase or transaction';

CREATE TABLE IF NOT EXISTS cube_hourly_totals__raw (tracking_id String, hour DateTime('UTC'),
    count_pageviews UInt64,
    count_events UInt64,
    users Array(String),
    count_sessions UInt64,
    count_bounces UInt64,
    sum_session_duration_s Float64,
    sum_engaged_ms UInt64,
    count_engaged_pageviews UInt64,
    sum_scroll_depth UInt64,
    count_scrolled_pageviews UInt64,
    sum_session_engaged_ms UInt64,
    sum_revenue Float64,
    count_orders UInt64,
    count_converted_sessions UInt64
) ENGINE = Memory;

CREATE TABLE IF NOT EXISTS cube_daily_channels_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_daily_channels_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date, channel, utm_source, utm_medium, utm_campaign)
TTL toDate(date) + INTERVAL 730 DAY
COMMENT 'Per site-local day × channel, source, medium and campaign of the session; distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_daily_channels ON CLUSTER 'strata' AS cube_daily_channels_local ENGINE = Distributed('strata', currentDatabase(), 'cube_daily_channels_local', cityHash64(tracking_id));

CREATE TABLE IF NOT EXISTS cube_daily_channels__staging_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_daily_channels__staging_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date, channel, utm_source, utm_medium, utm_campaign)
COMMENT 'Per site-local day × channel, source, medium and campaign of the session; distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_daily_channels__staging ON CLUSTER 'strata' AS cube_daily_channels__staging_local ENGINE = Distributed('strata', currentDatabase(), 'cube_daily_channels__staging_local', cityHash64(tracking_id));

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN tracking_id 'Site';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN date 'Day in the site s time zone the row covers (rollup_daily)';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN channel 'channel of the session (its first event)';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN utm_source 'utm_source of the session (its first event)';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN utm_medium 'utm_medium of the session (its first event)';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN utm_campaign 'utm_campaign of the session (its first event)';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN count_pageviews 'Page views (bots excluded)';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN count_events 'Events of every type but engagement records';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN users 'Distinct clients, as a bitmap of their visitor_numbers (exact): merge with groupBitmapMerge, never add counts up';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN count_sessions 'Sessions that started in this bucket with this entry page';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN count_bounces 'Of those, bounces';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_duration_s 'Of those, summed duration in seconds';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN sum_engaged_ms 'Engaged milliseconds of the page views';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN count_engaged_pageviews 'Page views that reported engagement';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN sum_scroll_depth 'Summed deepest scroll (percent) of the page views that reported one';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN count_scrolled_pageviews 'Page views that reported a scroll depth';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_engaged_ms 'Engaged milliseconds of the sessions counted here';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN sum_revenue 'Revenue of purchases and transactions, amounts as sent (no conversion)';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN count_orders 'Purchases and transactions';

ALTER TABLE cube_daily_channels_local ON CLUSTER 'strata' COMMENT COLUMN count_converted_sessions 'Sessions counted here with a purchase or transaction';

CREATE TABLE IF NOT EXISTS cube_daily_channels__raw (tracking_id String, date Date,
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    count_pageviews UInt64,
    count_events UInt64,
    users Array(String),
    count_sessions UInt64,
    count_bounces UInt64,
    sum_session_duration_s Float64,
    sum_engaged_ms UInt64,
    count_engaged_pageviews UInt64,
    sum_scroll_depth UInt64,
    count_scrolled_pageviews UInt64,
    sum_session_engaged_ms UInt64,
    sum_revenue Float64,
    count_orders UInt64,
    count_converted_sessions UInt64
) ENGINE = Memory;

CREATE TABLE IF NOT EXISTS cube_daily_technology_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_daily_technology_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date, country, device, browser, os)
TTL toDate(date) + INTERVAL 730 DAY
COMMENT 'Per site-local day × country, device, browser and OS of the session; distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_daily_technology ON CLUSTER 'strata' AS cube_daily_technology_local ENGINE = Distributed('strata', currentDatabase(), 'cube_daily_technology_local', cityHash64(tracking_id));

CREATE TABLE IF NOT EXISTS cube_daily_technology__staging_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_daily_technology__staging_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date, country, device, browser, os)
COMMENT 'Per site-local day × country, device, browser and OS of the session; distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_daily_technology__staging ON CLUSTER 'strata' AS cube_daily_technology__staging_local ENGINE = Distributed('strata', currentDatabase(), 'cube_daily_technology__staging_local', cityHash64(tracking_id));

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN tracking_id 'Site';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN date 'Day in the site s time zone the row covers (rollup_daily)';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN country 'country of the session (its first event)';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN device 'device of the session (its first event)';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN browser 'browser of the session (its first event)';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN os 'os of the session (its first event)';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN count_pageviews 'Page views (bots excluded)';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN count_events 'Events of every type but engagement records';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN users 'Distinct clients, as a bitmap of their visitor_numbers (exact): merge with groupBitmapMerge, never add counts up';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN count_sessions 'Sessions that started in this bucket with this entry page';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN count_bounces 'Of those, bounces';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_duration_s 'Of those, summed duration in seconds';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN sum_engaged_ms 'Engaged milliseconds of the page views';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN count_engaged_pageviews 'Page views that reported engagement';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN sum_scroll_depth 'Summed deepest scroll (percent) of the page views that reported one';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN count_scrolled_pageviews 'Page views that reported a scroll depth';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_engaged_ms 'Engaged milliseconds of the sessions counted here';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN sum_revenue 'Revenue of purchases and transactions, amounts as sent (no conversion)';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN count_orders 'Purchases and transactions';

ALTER TABLE cube_daily_technology_local ON CLUSTER 'strata' COMMENT COLUMN count_converted_sessions 'Sessions counted here with a purchase or transaction';

CREATE TABLE IF NOT EXISTS cube_daily_technology__raw (tracking_id String, date Date,
    country LowCardinality(String),
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    count_pageviews UInt64,
    count_events UInt64,
    users Array(String),
    count_sessions UInt64,
    count_bounces UInt64,
    sum_session_duration_s Float64,
    sum_engaged_ms UInt64,
    count_engaged_pageviews UInt64,
    sum_scroll_depth UInt64,
    count_scrolled_pageviews UInt64,
    sum_session_engaged_ms UInt64,
    sum_revenue Float64,
    count_orders UInt64,
    count_converted_sessions UInt64
) ENGINE = Memory;

CREATE TABLE IF NOT EXISTS cube_daily_pages_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    page_path String,
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_daily_pages_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date, page_path)
TTL toDate(date) + INTERVAL 730 DAY
COMMENT 'Per site-local day × page (session measures: the entry page); distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_daily_pages ON CLUSTER 'strata' AS cube_daily_pages_local ENGINE = Distributed('strata', currentDatabase(), 'cube_daily_pages_local', cityHash64(tracking_id));

CREATE TABLE IF NOT EXISTS cube_daily_pages__staging_local ON CLUSTER 'strata' (tracking_id LowCardinality(String), date Date,
    page_path String,
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(groupBitmap, UInt32),
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64),
    sum_engaged_ms SimpleAggregateFunction(sum, UInt64),
    count_engaged_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_scroll_depth SimpleAggregateFunction(sum, UInt64),
    count_scrolled_pageviews SimpleAggregateFunction(sum, UInt64),
    sum_session_engaged_ms SimpleAggregateFunction(sum, UInt64),
    sum_revenue SimpleAggregateFunction(sum, Float64),
    count_orders SimpleAggregateFunction(sum, UInt64),
    count_converted_sessions SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cube_daily_pages__staging_local', '{replica}')
PARTITION BY date
ORDER BY (tracking_id, date, page_path)
COMMENT 'Per site-local day × page (session measures: the entry page); distinct users as exact bitmaps of visitor numbers';

CREATE TABLE IF NOT EXISTS cube_daily_pages__staging ON CLUSTER 'strata' AS cube_daily_pages__staging_local ENGINE = Distributed('strata', currentDatabase(), 'cube_daily_pages__staging_local', cityHash64(tracking_id));

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN tracking_id 'Site';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN date 'Day in the site s time zone the row covers (rollup_daily)';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN page_path 'Page path (for session measures: the session s entry page)';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN count_pageviews 'Page views (bots excluded)';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN count_events 'Events of every type but engagement records';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN users 'Distinct clients, as a bitmap of their visitor_numbers (exact): merge with groupBitmapMerge, never add counts up';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN count_sessions 'Sessions that started in this bucket with this entry page';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN count_bounces 'Of those, bounces';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_duration_s 'Of those, summed duration in seconds';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN sum_engaged_ms 'Engaged milliseconds of the page views';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN count_engaged_pageviews 'Page views that reported engagement';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN sum_scroll_depth 'Summed deepest scroll (percent) of the page views that reported one';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN count_scrolled_pageviews 'Page views that reported a scroll depth';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN sum_session_engaged_ms 'Engaged milliseconds of the sessions counted here';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN sum_revenue 'Revenue of purchases and transactions, amounts as sent (no conversion)';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN count_orders 'Purchases and transactions';

ALTER TABLE cube_daily_pages_local ON CLUSTER 'strata' COMMENT COLUMN count_converted_sessions 'Sessions counted here with a purchase or transaction';

CREATE TABLE IF NOT EXISTS cube_daily_pages__raw (tracking_id String, date Date,
    page_path String,
    count_pageviews UInt64,
    count_events UInt64,
    users Array(String),
    count_sessions UInt64,
    count_bounces UInt64,
    sum_session_duration_s Float64,
    sum_engaged_ms UInt64,
    count_engaged_pageviews UInt64,
    sum_scroll_depth UInt64,
    count_scrolled_pageviews UInt64,
    sum_session_engaged_ms UInt64,
    sum_revenue Float64,
    count_orders UInt64,
    count_converted_sessions UInt64
) ENGINE = Memory;

