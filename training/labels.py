"""The label ids of ../shared/LABELING.md: the only place they are spelled out."""

TOPICS: tuple[str, ...] = ("security", "arms_trade", "diplomacy")
OUTLOOKS: tuple[str, ...] = ("optimistic", "neutral", "pessimistic")


def check_topics(topics) -> list[str]:
    """Return problems with a topic list (empty when valid); used for training rows and feedback."""
    if not isinstance(topics, list):
        return [f"topics must be a list of topic ids, got {type(topics).__name__}"]
    problems = []
    for topic in topics:
        if not isinstance(topic, str):
            problems.append(f"topic ids must be strings, got {topic!r}")
        elif topic not in TOPICS:
            problems.append(f"unknown topic {topic!r} (allowed: {', '.join(TOPICS)})")
    if len(set(map(repr, topics))) != len(topics):
        problems.append(f"topics repeat an id: {topics!r}")
    return problems


def check_outlook(outlook) -> list[str]:
    if not isinstance(outlook, str):
        return [f"outlook must be a string, got {type(outlook).__name__}"]
    if outlook not in OUTLOOKS:
        return [f"unknown outlook {outlook!r} (allowed: {', '.join(OUTLOOKS)})"]
    return []
