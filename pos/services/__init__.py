"""Use cases: one function per user action, each in one unit of work.

A service takes a :class:`~pos.services.context.ServiceContext` first, then the acting
user (an :class:`~pos.services.context.Actor`) where the action needs a permission, then
its arguments. It returns frozen dataclasses, never ORM objects.
"""
