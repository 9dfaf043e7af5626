"""The helpdesk reads the SDK through its public names only (`suivi.__all__` and
`suivi.toolkit.__all__`), as the estimates do: the SDK's private modules may change shape from
one release to the next."""

from __future__ import annotations

from pathlib import Path

import suivi
import suivi.toolkit
import suivi_server.helpdesk
from tests.server.test_estimates_sdk_names import sdk_imports

PACKAGE = Path(suivi_server.helpdesk.__file__).parent


def test_the_helpdesk_imports_no_private_sdk_module() -> None:
    imports = sdk_imports(PACKAGE)
    public = {"suivi": set(suivi.__all__), "suivi.toolkit": set(suivi.toolkit.__all__)}
    assert ("classifier.py", "suivi.toolkit", "fold") in imports
    assert [i for i in imports if i[2] not in public.get(i[1], set())] == []
