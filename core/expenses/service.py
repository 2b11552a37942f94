"""ExpensesService: the one face of expenses for the CLI, the pane and the MCP tools."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from ingle.core.backends.calls import WindowTooSmall
from ingle.core.config.expenses import ExpenseSettings
from ingle.core.errors import IngleError, NotFound, UsageError
from ingle.core.expenses import classify, rules as rule_order
from ingle.core.expenses.export import write_csv, write_xlsx
from ingle.core.expenses.freetext import parse_free_text
from ingle.core.expenses.importing import dedup_keys, read_file
from ingle.core.expenses.learning import LearnedRules
from ingle.core.expenses.models import (
    DEFAULT_CATEGORIES,
    CategoryTotal,
    Classification,
    Expense,
    FixResult,
    ImportReport,
    ParsedLine,
)
from ingle.core.expenses.sink import Delivery, deliver
from ingle.core.workbench import Workbench
from ingle.memory import expenses as store_rows
from ingle.memory.expenses import ExpenseRow, ProfileRow, RuleRow


class ExpensesService:
    def __init__(self, workbench: Workbench, *, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.workbench = workbench
        self.store = workbench.store
        self.today = today
        self.learning = LearnedRules(self.store, self.settings.learn_after)
        store_rows.seed_categories(self.store, DEFAULT_CATEGORIES)

    @property
    def settings(self) -> ExpenseSettings:
        return self.workbench.settings.expenses

    # -- reading -------------------------------------------------------------------------

    def categories(self) -> list[str]:
        return store_rows.categories(self.store)

    def list(self, *, month: str | None = None, category: str | None = None,
             status: str | None = None) -> list[Expense]:
        if month is not None:
            _check_month(month)
        if category is not None and category not in self.categories():
            raise NotFound(f"no category named {category!r}",
                           f"known: {', '.join(self.categories())}")
        rows = store_rows.list_expenses(self.store, month=month, category=category, status=status)  # type: ignore[arg-type]
        return [self._expense(r) for r in rows]

    def get(self, expense_id: int) -> Expense:
        return self._expense(self._row(expense_id))

    def report(self, month: str | None = None) -> list[CategoryTotal]:
        if month is not None:
            _check_month(month)
        return [CategoryTotal.model_validate(t) for t in store_rows.month_totals(self.store, month)]

    def rules(self) -> list[RuleRow]:
        return rule_order.ordered(store_rows.rules(self.store))

    # -- adding --------------------------------------------------------------------------

    async def classify_text(self, text: str) -> tuple[ParsedLine, Classification]:
        """What `add` would record for `text`, stored nowhere (the MCP classify_expense tool)."""
        line = self._parse(text)
        return line, (await self._classify([line]))[0]

    async def add(self, text: str, *, source: str = "add") -> Expense:
        """Parse, classify and store one typed expense; confirmed ones reach the sink."""
        line = self._parse(text)
        classification = (await self._classify([line]))[0]
        # A typed line is always a new expense: the same lunch twice is two lunches.
        key = f"{dedup_keys([line])[0]}|{source}|{dt.datetime.now().timestamp()}"
        ids, _ = store_rows.insert_expenses(self.store, [self._row_for(line, classification, key, source)])
        row = self._row(ids[0])
        await self._deliver([row])
        return self._expense(row)

    async def import_file(
        self, path: Path, *, profile: str | None = None, columns: dict[str, str] | None = None,
        save_as: str | None = None, options: ProfileRow | None = None,
    ) -> ImportReport:
        """Import a bank CSV or OFX file. Duplicates of stored lines are skipped before any
        model call; bad rows are reported with their line numbers; nothing stored changes.
        `options` (date format, decimal comma, sign, currency) override the profile's."""
        chosen = None
        if profile is not None:
            chosen = store_rows.get_profile(self.store, profile)
            if chosen is None:
                raise NotFound(f"no import profile named {profile!r}",
                               "save one with --save-profile NAME on an import that worked")
        if options is not None:
            base = chosen.model_dump() if chosen else {}
            given = options.model_dump(exclude_unset=True, exclude={"name", "columns"})
            chosen = ProfileRow.model_validate(
                {**base, **given, "name": base.get("name", "(options)"),
                 "columns": base.get("columns", columns or {})})
        lines, bad, used = read_file(path, chosen, columns, currency=self.settings.currency,
                                     today=self.today())
        keys = dedup_keys(lines)
        fresh = [(line, key) for line, key in zip(lines, keys, strict=True) if not self._stored(key)]
        classifications = await self._classify([line for line, _ in fresh])
        rows = [self._row_for(line, c, key, f"import {path.name}")
                for (line, key), c in zip(fresh, classifications, strict=True)]
        ids, duplicates = store_rows.insert_expenses(self.store, rows)
        if save_as:
            store_rows.save_profile(self.store, ProfileRow(
                name=save_as, columns=used, currency=chosen.currency if chosen else None,
                delimiter=chosen.delimiter if chosen else None,
                date_format=chosen.date_format if chosen else None,
                decimal_comma=chosen.decimal_comma if chosen else None,
                sign=chosen.sign if chosen else "negative-out",
            ))
        added = [self._row(i) for i in ids]
        await self._deliver(added)
        return ImportReport(
            file=str(path), profile=profile or save_as, added=[self._expense(r) for r in added],
            duplicates=len(lines) - len(fresh) + duplicates, bad_rows=bad,
            model_calls=sum(c.model_calls for c in classifications), columns=used,
            classifier_problem=next((c.problem for c in classifications if c.problem), ""),
        )

    # -- correcting ----------------------------------------------------------------------

    async def fix(self, expense_id: int, category: str) -> FixResult:
        """The user's category for an expense: confirmed, sent to the sink, remembered as a
        correction; consistent corrections of a merchant become a learned rule."""
        row = self._row(expense_id)
        category = category.strip()
        if not category:
            raise UsageError("the category is empty", "name one: ingle expense fix ID CATEGORY")
        created = category not in self.categories()
        if created:
            store_rows.add_category(self.store, category)
        previous = row.category
        store_rows.set_category(self.store, expense_id, category, status="confirmed", confidence=1.0,
                                path="user", reason=_fixed_reason(previous, category))
        learned = self.learning.after_correction(row, previous, category)
        fixed = self._row(expense_id)
        await self._deliver([fixed])
        if learned is not None:
            await self._apply_rule_to_pending(learned)
        return FixResult(expense=self._expense(fixed), created_category=created, learned_rule=learned)

    def add_rule(self, rule: RuleRow) -> RuleRow:
        rule_order.check_pattern(rule.kind, rule.pattern)
        if rule.category not in self.categories():
            store_rows.add_category(self.store, rule.category)
        rule.id = store_rows.add_rule(self.store, rule)
        return rule

    def delete_rule(self, rule_id: int) -> None:
        rule = next((r for r in store_rows.rules(self.store) if r.id == rule_id), None)
        if rule is None or not store_rows.delete_rule(self.store, rule_id):
            raise NotFound(f"no rule #{rule_id}", "`ingle expense rules` lists them")
        self.learning.forget_rule(rule)

    def rename_category(self, old: str, new: str) -> int:
        if old not in self.categories():
            raise NotFound(f"no category named {old!r}", f"known: {', '.join(self.categories())}")
        return store_rows.rename_category(self.store, old, new.strip())

    # -- out -----------------------------------------------------------------------------

    def export(self, fmt: str, output: Path | None, *, month: str | None = None) -> Path:
        if fmt not in ("csv", "xlsx"):
            raise UsageError(f"unknown export format {fmt!r}", "use --format csv or --format xlsx")
        target = output or Path.cwd() / f"expenses.{fmt}"
        if not target.parent.is_dir():
            raise UsageError(f"{target.parent}: no such directory", "give --output a path in an existing directory")
        rows = store_rows.list_expenses(self.store, month=month)
        (write_csv if fmt == "csv" else write_xlsx)(rows, target)
        return target

    async def retry_sink(self) -> list[Delivery]:
        """Send again every confirmed expense whose sink call failed or never finished."""
        rows = [self._row(i) for i in store_rows.undelivered(self.store)]
        return await self._deliver(rows)

    # -- the pipeline ------------------------------------------------------------------------

    def _parse(self, text: str) -> ParsedLine:
        return parse_free_text(text, today=self.today(), currency=self.settings.currency)

    async def classify(self, lines: Sequence[ParsedLine], *, use_model: bool = True) -> list[Classification]:
        """A category for each line: rules, then agreeing neighbours, then (with `use_model`)
        the classifier for the rest, in batches. Stores nothing."""
        return await self._classify(lines, use_model=use_model)

    async def _classify(self, lines: Sequence[ParsedLine], *, use_model: bool = True) -> list[Classification]:
        rules = store_rows.rules(self.store)
        results: list[Classification | None] = []
        for_model: list[int] = []
        neighbours: dict[int, list[ExpenseRow]] = {}
        for i, line in enumerate(lines):
            found = classify.by_rules(line, rules)
            if found is None:
                neighbours[i] = classify.neighbours_of(self.store, line)
                found = classify.by_neighbours(line, neighbours[i])
            results.append(found)
            if found is None:
                for_model.append(i)
        if for_model and not use_model:
            for i in for_model:
                results[i] = Classification(category=None, confidence=0.0, path="none",
                                            reason="no rule or agreeing confirmed lines decide it")
        elif for_model:
            verdicts = await self._ask_model([lines[i] for i in for_model])
            for i, verdict in zip(for_model, verdicts, strict=True):
                results[i] = verdict if isinstance(verdict, Classification) else classify.combine(
                    lines[i], verdict, neighbours[i])
        return [r for r in results if r is not None]

    async def _ask_model(self, lines: list[ParsedLine]) -> list[Classification | classify.ModelVerdict | None]:
        persona = self.workbench.personas.get(self.settings.persona)
        examples = self.learning.examples_for(lines)
        out: list[Classification | classify.ModelVerdict | None] = []
        for start in range(0, len(lines), classify.LINES_PER_REQUEST):
            out += await self._ask_batch(persona, lines[start:start + classify.LINES_PER_REQUEST],
                                         examples)
        return out

    async def _ask_batch(self, persona, batch: list[ParsedLine], examples: list[classify.Example],  # noqa: ANN001
                         ) -> list[Classification | classify.ModelVerdict | None]:
        """One request for the batch; halved while the model's window cannot hold it."""
        try:
            return list(await classify.ask_model(self.workbench.caller, persona, batch,
                                                 self.categories(), examples, self.settings.model))
        except WindowTooSmall as exc:
            if len(batch) == 1:
                return [classify.unreachable(exc)]
            half = len(batch) // 2
            return [*await self._ask_batch(persona, batch[:half], examples),
                    *await self._ask_batch(persona, batch[half:], examples)]
        except IngleError as exc:  # server down, model missing, bad JSON: ask the user
            return [classify.unreachable(exc)] * len(batch)

    def _row_for(self, line: ParsedLine, c: Classification, key: str, source: str) -> ExpenseRow:
        confirmed = c.category is not None and c.confidence >= self.settings.confidence_threshold
        return ExpenseRow(
            date=line.date.isoformat(), amount=line.amount, currency=line.currency,
            direction=line.direction, text=line.text, merchant=line.merchant, category=c.category,
            status="confirmed" if confirmed else "pending", confidence=c.confidence, path=c.path,
            reason=c.reason, source=source, source_line=line.line, dedup_key=key,
            confirmed_at=dt.datetime.now().timestamp() if confirmed else None,
        )

    async def _apply_rule_to_pending(self, rule: RuleRow) -> None:
        changed = []
        for row in store_rows.list_expenses(self.store, status="pending"):
            if rule_order.matches(rule, merchant=row.merchant, text=row.text, amount=row.amount):
                assert row.id is not None
                store_rows.set_category(self.store, row.id, rule.category, status="confirmed",
                                        confidence=classify.LEARNED_RULE_CONFIDENCE, path="rule",
                                        reason=rule_order.describe(rule))
                changed.append(self._row(row.id))
        await self._deliver(changed)

    async def _deliver(self, rows: list[ExpenseRow]) -> list[Delivery]:
        sink = self.settings.sink
        done = []
        for row in rows:
            if row.status == "confirmed":
                delivery = await asyncio.to_thread(deliver, self.store, sink, row)
                if delivery is not None:
                    done.append(delivery)
        return done

    def _stored(self, key: str) -> bool:
        return self.store.db.execute("SELECT 1 FROM expenses WHERE dedup_key = ?", [key]).fetchone() is not None

    def _row(self, expense_id: int) -> ExpenseRow:
        row = store_rows.get_expense(self.store, expense_id)
        if row is None:
            raise NotFound(f"no expense #{expense_id}", "`ingle expense ls` lists them with their ids")
        return row

    def _expense(self, row: ExpenseRow) -> Expense:
        sink = ""
        if self.settings.sink.command and row.id is not None and row.status == "confirmed":
            delivery = store_rows.delivery(self.store, row.id)
            if delivery is None:
                sink = "not sent"
            elif delivery.delivered_at is not None:
                sink = "delivered"
            else:
                sink = f"failed ({delivery.error or f'exit {delivery.exit_status}'}); will retry"
        return Expense.of(row, sink)


def _fixed_reason(previous: str | None, category: str) -> str:
    return f"set by you (was {previous})" if previous and previous != category else "set by you"


def _check_month(month: str) -> None:
    try:
        dt.datetime.strptime(month, "%Y-%m")
    except ValueError as exc:
        raise UsageError(f"--month {month!r} is not a month", "write it as YYYY-MM, e.g. 2026-11") from exc

