"""The course XBlocks: containers, HTML, lesson, scenario, quiz, reflection, problem.

Each block is registered as an ``xblock.v1`` entry point in ``pyproject.toml``. Blocks never
import the web layer: they reach the LMS only through runtime services.
"""
