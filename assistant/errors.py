"""Every error the assistant raises on purpose.

    AssistantError                 base: a message a user can act on
    ├── SettingsError              a setting or settings file is invalid
    ├── ModelError                 a GGUF or embedding model is missing, truncated or corrupt
    │   └── ModelServerError       the model server cannot be reached, refused the key or the request
    ├── DocumentError              one input file cannot be loaded (empty, binary, bad encoding)
    ├── IndexStateError            the index is missing or was built with other settings
    │   └── IndexBusyError         another process is writing to the data folder
    ├── StorageError               the data folder cannot be written (read-only, full, no permission)
    │   └── StoreServerError       the Chroma server (chroma_url) cannot be reached
    ├── QuestionError              a question that cannot be asked (too long, not valid text)
    ├── PromptError                a template is missing, or has missing or unknown variables
    ├── EvalError                  an evaluation file is malformed
    └── RecordingError             a recording is missing or malformed, or a case to accept is unknown

The CLI prints ``error: <message>`` for these and exits with status 2; anything
else is a bug and keeps its traceback.
"""


class AssistantError(Exception):
    """Base class: the message says what went wrong and what to do."""


class SettingsError(AssistantError):
    """A setting or the settings file is invalid."""


class ModelError(AssistantError):
    """A model file is missing, truncated or corrupt, or cannot be loaded."""


class ModelServerError(ModelError):
    """The OpenAI-compatible model server (``model_url``) cannot be reached, or refused a request."""


class DocumentError(AssistantError):
    """One input file cannot be loaded; the rest of a batch goes on."""


class IndexStateError(AssistantError):
    """The index is missing, empty, or was built with another embedding model."""


class IndexBusyError(IndexStateError):
    """Another process holds the data folder's writer lock."""


class StorageError(AssistantError):
    """The data folder cannot be written: read-only, full, or not ours to write."""


class StoreServerError(StorageError):
    """The Chroma server named by ``chroma_url`` does not answer."""


class QuestionError(AssistantError):
    """A question over the length limit, or not valid text."""


class PromptError(AssistantError):
    """A prompt template is missing, or its variables do not match."""


class EvalError(AssistantError):
    """An evaluation or cases file is malformed."""


class RecordingError(AssistantError):
    """A recording (or its replayed results) is missing or malformed."""
