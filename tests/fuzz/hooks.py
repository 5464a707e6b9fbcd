"""Schemathesis hooks for scripts/fuzz-graphql.sh: strategies for uliga's
custom scalars (schemathesis has none for Money, and only well-formed values
for Date and DateTime). Each mixes valid values with edge cases, so that the
scalars' rejections are exercised too."""

from datetime import timezone

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

I64_MIN, I64_MAX = -(2**63), 2**63 - 1

# Money: a whole amount as a signed 64-bit number; the entry and schedule rules
# allow 1..10^12, so that range is the common case, the whole i64 range the edge.
schemathesis.graphql.scalar(
    "Money",
    st.one_of(
        st.integers(min_value=1, max_value=10**12),
        st.integers(min_value=I64_MIN, max_value=I64_MAX),
        st.sampled_from([0, -1, 10**12 + 1, I64_MIN, I64_MAX]),
    ).map(nodes.Int),
)

# Date: "YYYY-MM-DD"; also impossible days and near misses.
schemathesis.graphql.scalar(
    "Date",
    st.one_of(
        st.dates().map(lambda day: day.isoformat()),
        st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
        st.sampled_from(
            ["2026-02-30", "0000-01-01", "-001-01-01", "0999-12-31", "9999-12-31", "+2026-1-01", " 2026-1-01", ""]
        ),
        st.text(max_size=12),
    ).map(nodes.String),
)

# DateTime: RFC 3339.
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.just(timezone.utc)).map(lambda moment: moment.isoformat()),
        st.sampled_from(["1970-01-01T00:00:00Z", "9999-12-31T23:59:59+09:00", "2026-13-01T00:00:00Z"]),
        st.text(max_size=30),
    ).map(nodes.String),
)

# The error codes of this API (docs/API.md, "Errors"). Schemathesis' GraphQL
# `not_a_server_error` counts an `errors` entry as a server failure unless its
# `extensions.code` is one it knows as a client error (BAD_USER_INPUT, ...),
# so FORBIDDEN, NOT_FOUND, ... would all be reported. Teach it the codes that
# report the client's request, and those that report a server failure; the
# check itself (and any 5xx status) is unchanged. Tied to the pinned version.
from schemathesis.specs.graphql import validation  # noqa: E402

validation.CLIENT_ERROR_MARKERS = validation.CLIENT_ERROR_MARKERS | {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
}
validation.SERVER_ERROR_MARKERS = validation.SERVER_ERROR_MARKERS | {"INTERNAL", "UNAVAILABLE"}
