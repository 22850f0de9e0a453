{#- A ClickHouse string literal of a var's value (backslashes and quotes escaped). -#}
{% macro quoted(value) %}
    {{- "'" ~ (value | string | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'" -}}
{% endmacro %}
