"""Settings: defaults, then the TOML file, then ASSISTANT_* variables, then keyword arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import SettingsError
from assistant.settings import PROJECT_ROOT, Settings, load_settings


def test_defaults() -> None:
    s = load_settings()
    assert (s.top_k, s.chunk_tokens, s.chunk_overlap_tokens) == (5, 160, 40)
    assert (s.fusion, s.condense) == ("rrf", "concat")
    assert s.docs == [PROJECT_ROOT / "seeds"]
    assert s.prompts_dir == PROJECT_ROOT / "prompts"
    assert not s.model_may_refuse


def test_every_setting_is_described() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name


def test_env_var_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")
    monkeypatch.setenv("ASSISTANT_FUSION", "lexical")
    monkeypatch.setenv("ASSISTANT_MODEL_MAY_REFUSE", "true")
    s = load_settings()
    assert (s.top_k, s.fusion, s.model_may_refuse) == (9, "lexical", True)


def test_keyword_overrides_env_and_none_means_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")
    assert load_settings(top_k=3).top_k == 3
    assert load_settings(top_k=None).top_k == 9


def test_settings_file_named_by_env_var_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text('top_k = 7\nfusion = "dense"\ndata_dir = "/srv/index"\ndocs = ["/srv/a", "/srv/b"]\n',
                    encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_SETTINGS_FILE", str(path))
    s = load_settings()
    assert (s.top_k, s.fusion, s.data_dir) == (7, "dense", Path("/srv/index"))
    assert s.docs == [Path("/srv/a"), Path("/srv/b")]
    monkeypatch.setenv("ASSISTANT_TOP_K", "8")
    assert load_settings().top_k == 8  # the environment beats the file
    assert load_settings().fusion == "dense"


def test_assistant_toml_in_the_working_directory_is_read() -> None:
    Path("assistant.toml").write_text("candidates = 33\n", encoding="utf-8")
    assert load_settings().candidates == 33


OVERLAP = "settings: Value error, chunk_overlap_tokens must be smaller than chunk_tokens"


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"top_k": 0}, "top_k: Input should be greater than or equal to 1"),
    ({"fusion": "bm25"}, "fusion: Input should be 'rrf', 'dense' or 'lexical'"),
    ({"lexical_weight": 1.5}, "lexical_weight: Input should be less than or equal to 1"),
    ({"bogus": 1}, "bogus: Extra inputs are not permitted"),
    ({"chunk_tokens": 40, "chunk_overlap_tokens": 40}, OVERLAP),
    ({"chunk_tokens": 40, "chunk_overlap_tokens": 41}, OVERLAP),
])
def test_invalid_values_raise_a_readable_settings_error(overrides: dict[str, object], expected: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(**overrides)
    message = str(err.value)
    assert message.startswith("invalid settings (")
    assert expected in message
    assert "see `assistant --help`" in message
    assert "pydantic" not in message and "https://" not in message


def test_overlap_just_below_size_is_accepted() -> None:
    s = load_settings(chunk_tokens=40, chunk_overlap_tokens=39)
    assert (s.chunk_tokens, s.chunk_overlap_tokens) == (40, 39)


def test_invalid_env_value_raises_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "many")
    with pytest.raises(SettingsError, match="top_k: Input should be a valid integer"):
        load_settings()


def test_unknown_key_in_the_settings_file_raises_settings_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "typo.toml"
    path.write_text("topk = 7\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_SETTINGS_FILE", str(path))
    with pytest.raises(SettingsError, match="topk: Extra inputs are not permitted"):
        load_settings()


def test_malformed_settings_file_raises_settings_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("top_k = = 3\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_SETTINGS_FILE", str(path))
    with pytest.raises(SettingsError, match="broken.toml"):
        load_settings()


def test_unparsable_list_env_var_raises_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DOCS", "seeds")
    with pytest.raises(SettingsError, match="docs"):
        load_settings()


def test_an_installed_package_reads_its_own_prompts_and_nothing_beside_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import assistant.settings as settings_module

    site = tmp_path / "site-packages"
    (site / "assistant" / "prompts").mkdir(parents=True)
    (site / "prompts").mkdir()  # another distribution's top-level folder must not be taken for ours
    monkeypatch.setattr(settings_module, "PROJECT_ROOT", site)
    monkeypatch.setattr(settings_module, "BUNDLED_PROMPTS", site / "assistant" / "prompts")
    assert not settings_module.from_checkout()
    installed = load_settings()
    assert installed.prompts_dir == site / "assistant" / "prompts"
    assert installed.docs == []
    assert installed.models_dir == Path("models")
    assert installed.data_dir == Path(".assistant-data")  # the working directory's, not site-packages'


def test_a_checkout_reads_the_repository_folders() -> None:
    import assistant.settings as settings_module

    assert settings_module.from_checkout()
    here = load_settings()
    assert (here.prompts_dir, here.docs, here.models_dir) == (
        PROJECT_ROOT / "prompts", [PROJECT_ROOT / "seeds"], PROJECT_ROOT / "models")


def test_indexing_with_no_paths_and_no_docs_setting_says_to_name_them(tmp_path: Path) -> None:
    from assistant.wiring import Assistant

    with pytest.raises(SettingsError, match=r"assistant index PATH"):
        Assistant(load_settings(data_dir=tmp_path / "d", docs=[])).index()
