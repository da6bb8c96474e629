"""Pure rules of the RCRP quality-assurance domain.

Nothing here touches storage, the network or the terminal: every function takes plain
values and returns plain values, so the rules can be tested and reasoned about alone.
"""
