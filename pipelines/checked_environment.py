"""Importing this module checks every setting in the environment (`pipelines.settings.check_environment`): one
`SettingError` lists each bad variable, its value and what is expected.

`pipelines/definitions.py` imports it before anything from `assets/`, because `assets/` still reads its load-time
settings as its modules load and would otherwise fail first, with a message that does not name the variable.
"""

from pipelines.settings import check_environment

check_environment()
