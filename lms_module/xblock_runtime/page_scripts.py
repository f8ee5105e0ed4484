"""Decide which shared scripts a page of blocks loads before the blocks' own.

Our own blocks (the classes of the ``courses`` package) need nothing but the client runtime,
so a page of them stays light. Blocks written for Open edX expect the page to provide jQuery
(``$``), as Open edX's LMS does on every courseware page: a page showing any block of another
package loads the jQuery this package ships (``static/vendor``), never a CDN's.
"""

from __future__ import annotations

from collections.abc import Iterable

#: jQuery for blocks written for Open edX, under the LMS's static folder (MIT licence beside it).
JQUERY_PATH = "vendor/jquery-3.7.1.min.js"

#: The package whose block classes need no jQuery.
OWN_BLOCKS_PACKAGE = "courses"


def is_own_block_class(block_class: type) -> bool:
    """Tell whether ``block_class`` is one of our blocks (defined in the ``courses`` package)."""
    # A runtime with mixins hands out a mixed subclass: judge the class it was made from.
    cls = getattr(block_class, "unmixed_class", block_class)
    module = str(getattr(cls, "__module__", ""))
    return module == OWN_BLOCKS_PACKAGE or module.startswith(OWN_BLOCKS_PACKAGE + ".")


def needs_jquery(block_classes: Iterable[type]) -> bool:
    """Tell whether a page showing blocks of ``block_classes`` must load jQuery first."""
    return not all(is_own_block_class(cls) for cls in block_classes)
