"""What a post's text yields: its hashtags and the usernames it mentions."""

from __future__ import annotations

from plaza.posts.service import MAX_HASHTAGS, hashtags_in, mentioned_names


def test_hashtags_are_lower_cased_distinct_and_in_order() -> None:
    assert hashtags_in("#Rust then #python and #RUST again") == ["rust", "python"]


def test_numbers_underscores_anchors_and_entities_are_not_hashtags() -> None:
    assert hashtags_in("#2024 #_ x#no &#39; ##double #ok_1") == ["ok_1"]


def test_an_overlong_tag_is_dropped_and_the_count_is_capped() -> None:
    assert hashtags_in("#" + "x" * 101) == []
    assert len(hashtags_in(" ".join(f"#t{i}" for i in range(50)))) == MAX_HASHTAGS


def test_hashtags_may_be_any_script() -> None:
    assert hashtags_in("#Café #東京") == ["café", "東京"]


def test_mentions_ignore_case_duplicates_and_email_addresses() -> None:
    assert mentioned_names("@Ann @ann me@mail.com (@bob) @@x @bob.") == ["Ann", "bob"]
