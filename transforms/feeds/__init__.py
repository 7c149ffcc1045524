"""RSS/Atom feeds: the feed list, fetching and parsing feeds, fetching item pages, politeness, and the state kept between runs."""
