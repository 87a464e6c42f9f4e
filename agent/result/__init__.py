"""Result stage: a resolved request handed to the skill that serves it."""
