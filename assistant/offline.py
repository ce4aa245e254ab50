"""Every offline switch, set in one place at import time.

The libraries read these variables when they are first imported, so this module
is imported by ``assistant/__init__.py`` before anything else. ``setdefault`` lets a
user who knows what they are doing override a switch from the environment.
"""

import os

_SWITCHES = {
    # Hugging Face: never look up or download weights, tokenizers or configs.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    # Chroma's product telemetry (posthog).
    "ANONYMIZED_TELEMETRY": "False",
    # Gradio's usage analytics and its version check.
    "GRADIO_ANALYTICS_ENABLED": "False",
    "GRADIO_TELEMETRY_ENABLED": "False",
    # tokenizers' fork warning is noise for a CLI that embeds then generates.
    "TOKENIZERS_PARALLELISM": "false",
}

for _name, _value in _SWITCHES.items():
    os.environ.setdefault(_name, _value)
