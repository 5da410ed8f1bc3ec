"""A reproducible, labelled training corpus made from what PyPI and Debian ship.

Generated songs (diatonic progressions with bass, chords, melody and General MIDI
drums, random GM programs per part) are rendered with FluidSynth; some melodies
are sung by Festival's singing mode, varied with WORLD, and every sung clip has an
instrumental twin with the melody on an instrument. Excerpts of the music21 corpus's
multi-part works (Bach chorales, Monteverdi, Palestrina, trecento; `scores`) add real
polyphony, re-orchestrated with random GM programs. Labels come from the notes:
instrument-family tags per clip, pitch-class chroma per frame, voice per frame.
"""
