"""The helpdesk reads the SDK through its public names only (`suivi.__all__`), as the
estimates do: the SDK's private modules may change shape from one release to the next."""

from __future__ import annotations

from pathlib import Path

import suivi
import suivi_server.helpdesk
from tests.server.test_estimates_sdk_names import sdk_imports

PACKAGE = Path(suivi_server.helpdesk.__file__).parent


def test_the_helpdesk_imports_no_private_sdk_module() -> None:
    imports = sdk_imports(PACKAGE)
    assert ("classifier.py", "suivi", "fold") in imports
    assert [i for i in imports if i[1] != "suivi" or i[2] not in suivi.__all__] == []
