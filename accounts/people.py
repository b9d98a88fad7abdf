"""A person as a page names them, read as two plain values rather than a whole User row (the
lists that name many people: an element page's links and actions)."""

from dataclasses import dataclass

from accounts.models import User


@dataclass(frozen=True, slots=True)
class NamedPerson:
    """Someone's full name and email, named as the User model names them."""

    full_name: str
    email: str

    get_full_name = User.get_full_name
