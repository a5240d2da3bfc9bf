"""`include:` and `{% include %}`: partial storyboards merged with their own positions, prompt templates in the key."""

from __future__ import annotations

import textwrap
from pathlib import Path

from storyboard.compile import compile_storyboard
from storyboard.diagnostics import Diagnostic
from storyboard.load import load
from storyboard.ops import build
from storyboard.plan import make_plan

from .conftest import Project, compiled_of

MAIN = """
version: 1
settings: {resolution: 480p, duration: 3}
include: [chars.yaml, shots/act1.yaml]
shots:
  - id: end
    prompt: "@Mara waves goodbye."
"""
CHARS = """
characters:
  Mara: {images: [refs/a.png]}
vars:
  place: the harbour
"""
ACT1 = """
shots:
  - id: open
    prompt: "@Mara walks along {{ place }}."
  - id: pour
    prompt: "@Mara pours coffee."
"""


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def board(project: Project, act1: str = ACT1, chars: str = CHARS, main: str = MAIN) -> Path:
    write(project.root, "chars.yaml", chars)
    write(project.root, "shots/act1.yaml", act1)
    return write(project.root, "storyboard.yaml", main)


def diagnostics(path: Path) -> list[Diagnostic]:
    loaded = load(path, display="storyboard.yaml")
    if loaded.storyboard is not None:
        compile_storyboard(loaded)
    return list(loaded.diagnostics)


def places(diags: list[Diagnostic]) -> list[str]:
    return [f"{d.location.file}:{d.location.line}:{d.location.column}: {d.code}" for d in diags]


def test_included_entries_merge_in_order_before_the_files_own(project: Project) -> None:
    compiled = compiled_of(board(project))
    assert compiled.order == ["open", "pour", "end"]
    assert compiled.cut == ["open", "pour", "end"]  # the default cut is the merged file order
    assert compiled.shots["open"].request is not None
    assert compiled.shots["open"].request.prompt == "@Mara walks along the harbour."
    assert compiled.shots["end"].request is not None
    assert [g.tag for g in compiled.shots["end"].request.ref_images] == ["@Mara"]  # a character of chars.yaml


def test_an_included_files_error_is_reported_at_its_own_file_and_line(project: Project) -> None:
    path = board(project, act1="shots:\n  - id: open\n    prompt: x\n    bogus: 1\n")
    result = project.cli("check", str(path))
    assert result.exit_code == 1
    shown = str(Path(path.parent, "shots", "act1.yaml"))
    assert f"{shown}:4:5: error[S001]: unknown key `bogus` in shot `open`" in result.output
    assert "4 |     bogus: 1" in result.output  # the excerpt is the included file's line, not the main file's
    assert "Traceback" not in result.output


def test_compile_rules_about_included_entries_point_into_their_file(project: Project) -> None:
    act1 = """
    shots:
      - id: open
        prompt: "@Nobody walks."
      - id: pour
        prompt: "@Mara pours."
        duration: 40
    """
    found = places(diagnostics(board(project, act1=act1)))
    assert "shots/act1.yaml:3:14: R001" in found  # the @tag inside the included prompt
    assert "shots/act1.yaml:6:15: V001" in found


def test_a_cycle_is_reported_at_the_include_that_closes_it(project: Project) -> None:
    write(project.root, "a.yaml", "include: [b.yaml]\nshots: [{id: sa, prompt: a}]\n")
    write(project.root, "b.yaml", "shots: [{id: sb, prompt: b}]\ninclude: [a.yaml]\n")
    path = write(project.root, "storyboard.yaml", "version: 1\ninclude: [a.yaml]\nshots: [{id: m, prompt: m}]\n")
    diags = diagnostics(path)
    cycle = [d for d in diags if d.code == "S010"]
    assert places(cycle) == ["b.yaml:2:11: S010"]
    assert "`a.yaml` includes `b.yaml` includes `a.yaml`" in cycle[0].message
    assert {d.code for d in diags if d.severity.value == "error"} == {"S010"}  # each file was still read once


def test_the_same_shot_id_in_two_files_is_reported_at_the_second_naming_the_first(project: Project) -> None:
    main = MAIN.replace("id: end", "id: pour")
    diags = [d for d in diagnostics(board(project, main=main)) if d.code == "N003"]
    assert places(diags) == ["storyboard.yaml:5:9: N003"]
    assert diags[0].help is not None and "shots/act1.yaml:4:9" in diags[0].help


def test_a_character_in_two_files_is_reported_at_the_second(project: Project) -> None:
    write(project.root, "more.yaml", "characters:\n  Mara: {images: [refs/b.png]}\n")
    main = MAIN.replace("include: [chars.yaml, shots/act1.yaml]", "include: [chars.yaml, more.yaml, shots/act1.yaml]")
    diags = [d for d in diagnostics(board(project, main=main)) if d.code == "N003"]
    assert places(diags) == ["more.yaml:2:3: N003"]
    assert "chars.yaml:2:3" in diags[0].message


def test_an_included_file_may_hold_only_partial_entries(project: Project) -> None:
    act1 = "shots: [{id: open, prompt: x}]\ncut: [open]\ndeliverables: {wide: {}}\n"
    diags = diagnostics(board(project, act1=act1))
    assert places([d for d in diags if d.code == "S009"]) == ["shots/act1.yaml:2:1: S009", "shots/act1.yaml:3:1: S009"]


def test_an_include_leaving_the_folder_is_refused_even_through_a_symlink(project: Project, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    write(outside, "act.yaml", "shots: [{id: open, prompt: a}, {id: pour, prompt: b}]\n")
    (project.root / "linked.yaml").symlink_to(outside / "act.yaml")
    path = write(project.root, "storyboard.yaml", "version: 1\ninclude: [linked.yaml]\nshots: [{id: m, prompt: m}]\n")
    diags = [d for d in diagnostics(path) if d.code == "S008"]
    assert places(diags) == ["storyboard.yaml:2:11: S008"]
    assert "outside the storyboard's folder" in diags[0].message
    # named as an asset root, the same file is included
    text = (
        f"version: 1\nsettings: {{asset_roots: [{outside}]}}\ninclude: [linked.yaml]\nshots: [{{id: m, prompt: m}}]\n"
    )
    path.write_text(text)
    assert compiled_of(path).order == ["open", "pour", "m"]


def test_an_edit_to_an_included_file_regenerates_its_shot_and_plan_names_the_prompt(project: Project) -> None:
    path = board(project)
    result = build(compiled_of(path))
    assert result.ok
    assert {s.action for s in make_plan(compiled_of(path)).shots} == {"cached"}
    write(project.root, "shots/act1.yaml", ACT1.replace("pours coffee", "pours tea"))
    plan = make_plan(compiled_of(path))
    assert [s.id for s in plan.to_generate] == ["pour"]
    assert plan.shots[[s.id for s in plan.shots].index("pour")].reasons == ["prompt changed"]
    write(project.root, "chars.yaml", CHARS.replace("the harbour", "the pier"))  # a var of another included file
    assert [s.id for s in make_plan(compiled_of(path)).to_generate] == ["open", "pour"]


def test_loaded_names_every_file_it_read(project: Project) -> None:
    loaded = load(board(project))
    assert [s.path.name for s in loaded.sources] == ["storyboard.yaml", "chars.yaml", "act1.yaml"]


# -- {% include %} and {% import %} in prompts ----------------------------------------------------

PROMPTED = """
version: 1
settings: {resolution: 480p, duration: 3}
vars: {place: the harbour}
shots:
  - id: intro
    prompt: "{% include 'prompts/intro.j2' %} Slow pan."
  - id: macro
    prompt: "{% import 'prompts/looks.j2' as looks %}{{ looks.warm(place) }}"
"""


def test_a_prompt_includes_and_imports_templates_of_the_folder(project: Project) -> None:
    write(project.root, "prompts/intro.j2", "Dawn over {{ place }}.")
    write(project.root, "prompts/looks.j2", "{% macro warm(where) %}Warm light on {{ where }}.{% endmacro %}")
    compiled = compiled_of(write(project.root, "storyboard.yaml", PROMPTED))
    prompts = {sid: cs.request.prompt for sid, cs in compiled.shots.items() if cs.request is not None}
    assert prompts == {"intro": "Dawn over the harbour. Slow pan.", "macro": "Warm light on the harbour."}
    folder = project.root.resolve() / "prompts"
    assert compiled.loaded.templates == {folder / "intro.j2", folder / "looks.j2"}  # inputs of the plan


def test_editing_an_included_template_changes_the_shots_key(project: Project) -> None:
    write(project.root, "prompts/intro.j2", "Dawn over {{ place }}.")
    write(project.root, "prompts/looks.j2", "{% macro warm(where) %}Warm light on {{ where }}.{% endmacro %}")
    path = write(project.root, "storyboard.yaml", PROMPTED)
    before = {s.id: s.key for s in make_plan(compiled_of(path)).shots}
    write(project.root, "prompts/intro.j2", "Dusk over {{ place }}.")
    plan = make_plan(compiled_of(path))
    after = {s.id: s.key for s in plan.shots}
    assert after["intro"] != before["intro"] and after["macro"] == before["macro"]


def test_a_missing_template_is_located_on_the_prompt(project: Project) -> None:
    path = write(project.root, "storyboard.yaml", PROMPTED)
    write(project.root, "prompts/looks.j2", "{% macro warm(where) %}{{ where }}{% endmacro %}")
    found = [d for d in diagnostics(path) if d.severity.value == "error"]
    assert places(found) == ["storyboard.yaml:6:13: T006"]
    assert "prompts/intro.j2" in found[0].message and found[0].shot == "intro"


def test_a_template_symlinked_out_of_the_folder_is_refused(project: Project, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-templates"
    outside.mkdir()
    (outside / "intro.j2").write_text("secret")
    (project.root / "prompts").mkdir()
    (project.root / "prompts" / "intro.j2").symlink_to(outside / "intro.j2")
    write(project.root, "prompts/looks.j2", "{% macro warm(where) %}{{ where }}{% endmacro %}")
    found = [d for d in diagnostics(write(project.root, "storyboard.yaml", PROMPTED)) if d.code == "T006"]
    assert len(found) == 1 and "outside" in found[0].message


def test_pick_edits_the_included_file_that_holds_the_shot(project: Project) -> None:
    from storyboard.ops.pick import pick

    path = board(
        project, act1=ACT1.replace('prompt: "@Mara pours coffee."', 'prompt: "@Mara pours coffee."\n    takes: 2')
    )
    main_before = path.read_text()
    result = pick(path, "pour", 2)
    assert result.changed and result.path == (project.root / "shots" / "act1.yaml").resolve()
    assert path.read_text() == main_before  # the main file is untouched
    assert "take: 2" in (project.root / "shots" / "act1.yaml").read_text()
    assert compiled_of(path).shots["pour"].take == 2


def test_the_main_files_own_section_of_the_wrong_type_is_still_reported(project: Project) -> None:
    main = MAIN.replace("include: [chars.yaml, shots/act1.yaml]", "include: [chars.yaml, shots/act1.yaml]\nvars: [x]")
    found = [d for d in diagnostics(board(project, main=main)) if d.code == "S002"]
    assert places(found) == ["storyboard.yaml:4:7: S002"]


def test_an_included_files_yaml_error_and_json_report_name_that_file(project: Project) -> None:
    import json

    path = board(project, act1="shots:\n  - id: open\n    prompt: [unclosed\n")
    result = project.cli("check", str(path), "--format", "json")
    assert result.exit_code == 1
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "Y001"]
    assert len(found) == 1 and found[0]["file"] == str(Path(path.parent, "shots", "act1.yaml"))
    assert found[0]["line"] >= 3
