{#- The 三会一课 cadence requirements (docs/scoring.md, "Branch index for month M"), in one place:
    what each requirement is called, whether it runs by quarter (due in the quarter's last month,
    met by a meeting anywhere in the quarter), whether it is due once per party group, and whether
    it needs a valid (quorate) meeting. fct_branch_compliance_monthly and fct_branch_cadence_status
    build their requirement rows from it and judge them with cadence_met below: one definition of
    "met". The catalogue's home is the vocabulary seed seeds/vocabulary/requirement.csv (what Python
    reads); the SQL is compiled from this literal copy, which the data test
    tests/vocabulary/assert_cadence_catalogue_is_the_requirement_seed.sql holds equal to the seed. -#}
{% macro cadence_requirements() -%}
    {{ return([
        {'requirement': 'committee', 'name': '支委会', 'quarterly': false, 'per_group': false, 'needs_quorum': true},
        {'requirement': 'theme_day', 'name': '主题党日', 'quarterly': false, 'per_group': false, 'needs_quorum': false},
        {'requirement': 'group', 'name': '党小组会', 'quarterly': false, 'per_group': true, 'needs_quorum': false},
        {'requirement': 'branch_general', 'name': '支部党员大会', 'quarterly': true, 'per_group': false, 'needs_quorum': true},
        {'requirement': 'lecture', 'name': '党课', 'quarterly': true, 'per_group': false, 'needs_quorum': false},
    ]) }}
{%- endmacro %}

{#- The catalogue as rows (requirement, requirement_name, is_quarterly, is_per_group, needs_quorum),
    for models that start from requirements already made (the cadence mart's ended periods). -#}
{% macro cadence_catalogue() -%}
    {%- for r in cadence_requirements() %}
    select
        '{{ r.requirement }}' as requirement,
        '{{ r.name }}' as requirement_name,
        {{ r.quarterly | lower }} as is_quarterly,
        {{ r.per_group | lower }} as is_per_group,
        {{ r.needs_quorum | lower }} as needs_quorum
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- One row per requirement of the catalogue for every row of `periods` (a relation or CTE name with
    branch_id, the `keys`, window_first_month and window_last_month: the months whose meetings count;
    for a quarterly requirement `quarter_window_first_month` instead of window_first_month), joined
    with `groups` (branch_id, party_group, the `group_keys`) for the per-group requirement. Output:
    the keys, branch_id, requirement, requirement_name, is_quarterly, needs_quorum, party_group,
    window_first_month, window_last_month. -#}
{% macro cadence_requirement_rows(periods, groups, keys, group_keys) -%}
    {%- for r in cadence_requirements() %}
    select
        {% for key in keys %}{{ periods }}.{{ key }}, {% endfor %}
        {{ periods }}.branch_id,
        '{{ r.requirement }}' as requirement,
        '{{ r.name }}' as requirement_name,
        {{ r.quarterly | lower }} as is_quarterly,
        {{ r.needs_quorum | lower }} as needs_quorum,
        {{ groups ~ '.party_group' if r.per_group else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as party_group,
        {{ periods }}.{{ 'quarter_window_first_month' if r.quarterly else 'window_first_month' }} as window_first_month,
        {{ periods }}.window_last_month
    from {{ periods }}
    {%- if r.per_group %}
    inner join {{ groups }}
        on {{ groups }}.branch_id = {{ periods }}.branch_id
        {%- for key in group_keys %}
        and {{ groups }}.{{ key }} = {{ periods }}.{{ key }}
        {%- endfor %}
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The requirements of `requirements` (columns: the `keys`, branch_id, requirement, party_group,
    window_first_month, window_last_month) that a meeting of `meetings` (int_meeting_validity's
    columns) meets, with the comma-separated ids of the meetings that meet them: a meeting of the
    requirement's branch and type held in a month of the window, of the requirement's party group for
    a per-group requirement, and valid where the requirement needs a quorum. Output: the keys,
    requirement, party_group_key (party_group, '' when null) and meeting_ids. -#}
{% macro cadence_met(requirements, meetings, keys) -%}
    {%- set quorate = [] -%}
    {%- set per_group = [] -%}
    {%- for r in cadence_requirements() -%}
        {%- if r.needs_quorum -%}{%- do quorate.append("'" ~ r.requirement ~ "'") -%}{%- endif -%}
        {%- if r.per_group -%}{%- do per_group.append("'" ~ r.requirement ~ "'") -%}{%- endif -%}
    {%- endfor -%}
    select
        {% for key in keys %}requirements.{{ key }}, {% endfor %}
        requirements.requirement,
        coalesce(requirements.party_group, '') as party_group_key,
        {{ dbt.listagg('meetings.meeting_id', "','", 'order by meetings.meeting_id') }} as meeting_ids
    from {{ requirements }} as requirements
    inner join {{ meetings }} as meetings
        on meetings.branch_id = requirements.branch_id
        and meetings.meeting_type = requirements.requirement
        and meetings.month_start >= requirements.window_first_month
        and meetings.month_start <= requirements.window_last_month
        and (requirements.requirement not in ({{ per_group | join(', ') }}) or meetings.party_group = requirements.party_group)
        and (requirements.requirement not in ({{ quorate | join(', ') }}) or meetings.is_valid)
    group by {% for key in keys %}requirements.{{ key }}, {% endfor %}requirements.requirement, coalesce(requirements.party_group, '')
{%- endmacro %}

{#- Quorum of every held meeting whose month is a row of `months` (month_start, quarter_start,
    meeting_quorum_share) and satisfies `where`: due members as listed (whatever their status that
    day), how many of them attended (excused or not; attendance as for the member index), and
    whether the meeting is valid: more than meeting_quorum_share of the due members attended. An
    empty due list is never valid. int_meeting_validity (the complete months) and
    fct_branch_cadence_status (the clock's open month) both judge meetings with it. -#}
{% macro meeting_validity(months, where='1 = 1') -%}
    select
        meetings.meeting_id,
        meetings.branch_id,
        meetings.party_group,
        meetings.meeting_type,
        meetings.starts_at,
        months.month_start,
        months.quarter_start,
        coalesce(quorum.due_members, 0) as due_members,
        coalesce(quorum.attended_members, 0) as attended_members,
        coalesce(quorum.due_members, 0) > 0
            and quorum.attended_members > months.meeting_quorum_share * quorum.due_members as is_valid
    from {{ ref('stg_meeting__meeting') }} as meetings
    inner join {{ months }} as months
        on months.month_start = cast({{ dbt.date_trunc('month', 'meetings.starts_at') }} as date)
    left join (
        select
            due.meeting_id,
            count(*) as due_members,
            sum(case when coalesce(presence.is_attended, false) then 1 else 0 end) as attended_members
        from {{ ref('stg_meeting__meeting_due_users') }} as due
        left join {{ ref('int_meeting_presence') }} as presence
            on presence.meeting_id = due.meeting_id
            and presence.employee_no = due.employee_no
        group by due.meeting_id
    ) as quorum on quorum.meeting_id = meetings.meeting_id
    where meetings.meeting_status = 'held'
      and {{ where }}
{%- endmacro %}
