"""The answer pipeline, one way: understand (question) → retrieve → decide (decide, rules) →
compose (compose, cite) → render (bot.render, the faces)."""
