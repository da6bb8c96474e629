"""Reviews: saving one (drafts, submission, moderation, release), the checks before a save, lists,
live risk and toolkits.
"""
