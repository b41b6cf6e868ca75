"""The credit business in pure Python: entities, money, aging, exposure, lookup, import rules.

Nothing here knows about Slack, SQLAlchemy or the scheduler; the interfaces this
package needs from the outside world are declared in ``domain.ports``.
"""
