"""ChatSession: a conversation, its history trimmed to the settings' limit."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answering import OnText
from assistant.prompting import Turn
from assistant.types import Answer
from assistant.wiring import Assistant


@dataclass
class ChatSession:
    assistant: Assistant
    history: list[Turn] = field(default_factory=list)

    def ask(self, question: str, on_text: OnText | None = None) -> Answer:
        answer = self.assistant.ask(question, self.history, on_text)
        self.history.append((question, answer.text))
        keep = self.assistant.settings.max_history_turns
        self.history = self.history[-keep:] if keep else []
        return answer

    def reset(self) -> None:
        self.history.clear()
