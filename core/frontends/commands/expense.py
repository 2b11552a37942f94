"""`ingle expense`: add, import, list, fix, rules, report and export expenses.

Thin: parse the arguments, call ExpensesService, print. Heavy imports stay inside `run`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from ingle.core.frontends.commands.common import json_flag

if TYPE_CHECKING:
    from ingle.core.expenses.models import Expense
    from ingle.core.expenses.service import ExpensesService


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="expense_command", metavar="ACTION", required=True)

    add = json_flag(sub.add_parser("add", help='record an expense from text: "uber 23.50 to airport"'))
    add.add_argument("text", nargs="+", help="what you spent, in your own words, with the amount")

    imp = json_flag(sub.add_parser("import", help="import a bank CSV or OFX file"))
    imp.add_argument("file")
    imp.add_argument("--profile", metavar="NAME", help="a saved import profile")
    imp.add_argument("--columns", metavar="date=COL,amount=COL,text=COL",
                     help="which columns hold what (a header name or a 1-based number)")
    imp.add_argument("--save-profile", metavar="NAME",
                     help="save the columns and the options below as a profile")
    imp.add_argument("--date-format", metavar="FMT", help="strptime format, e.g. %%d/%%m/%%Y")
    imp.add_argument("--decimal-comma", action=argparse.BooleanOptionalAction, default=None,
                     help="amounts use a decimal comma (default: decided per value)")
    imp.add_argument("--sign", choices=("negative-out", "positive-out"),
                     help="which sign is money out (default: negative-out)")
    imp.add_argument("--currency", metavar="CODE", help="for amounts without one, e.g. BRL")

    ls = json_flag(sub.add_parser("ls", help="list expenses (without filters, every one)"))
    ls.add_argument("--month", metavar="YYYY-MM")
    ls.add_argument("--category", metavar="C")
    ls.add_argument("--pending", action="store_true", help="only those waiting for your category")

    fix = json_flag(sub.add_parser("fix", help="set an expense's category (a new name creates it)"))
    fix.add_argument("id", type=int)
    fix.add_argument("category")

    rules = json_flag(sub.add_parser("rules", help="list the rules; `rules add` / `rules rm ID` change them"))
    rule_sub = rules.add_subparsers(dest="rules_action", metavar="add|rm")
    radd = json_flag(rule_sub.add_parser("add", help="a rule of your own: pattern -> category"))
    how = radd.add_mutually_exclusive_group(required=True)
    how.add_argument("--is", dest="is_", metavar="TEXT", help="the merchant (or text) is exactly TEXT")
    how.add_argument("--contains", metavar="TEXT")
    how.add_argument("--regex", metavar="RE")
    radd.add_argument("--field", choices=("merchant", "text"), default="merchant")
    radd.add_argument("--min", metavar="AMOUNT", help="only amounts from this")
    radd.add_argument("--max", metavar="AMOUNT", help="only amounts up to this")
    radd.add_argument("category")
    rrm = json_flag(rule_sub.add_parser("rm", help="remove a rule (learned ones too)"))
    rrm.add_argument("rule_id", type=int)

    report = json_flag(sub.add_parser("report", help="totals per category and month"))
    report.add_argument("--month", metavar="YYYY-MM")

    export = sub.add_parser("export", help="write the expenses as CSV or an .xlsx spreadsheet")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--output", metavar="FILE")
    export.add_argument("--month", metavar="YYYY-MM")

    cats = json_flag(sub.add_parser("categories", help="list the categories"))
    cats.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"),
                      help="rename OLD (or merge it into an existing NEW), history included")


def run(args: argparse.Namespace) -> int:
    from ingle.core.config.loader import ConfigError
    from ingle.core.errors import IngleError
    from ingle.core.expenses.service import ExpensesService
    from ingle.core.workbench import Workbench

    try:
        workbench = Workbench.open(None)
    except ConfigError as exc:
        print(f"ingle: {exc}", file=sys.stderr)
        return 2

    async def main() -> int:
        try:
            service = ExpensesService(workbench)
            return await _dispatch(service, args)
        finally:
            await workbench.aclose()

    try:
        return asyncio.run(main())
    except IngleError as exc:
        print(f"ingle: {exc}", file=sys.stderr)
        return exc.exit_status


async def _dispatch(service: ExpensesService, args: argparse.Namespace) -> int:
    from pathlib import Path

    from ingle.core.expenses.importing import parse_columns_option

    action = args.expense_command
    if action in ("add", "import", "fix"):
        await service.retry_sink()  # earlier failed deliveries first: never lose an expense
    if action == "add":
        expense = await service.add(" ".join(args.text))
        return _emit(args, expense.model_dump(), lambda: _print_one(expense, service))
    if action == "import":
        from ingle.memory.expenses import ProfileRow

        columns = parse_columns_option(args.columns) if args.columns else None
        given = {k: v for k, v in (("date_format", args.date_format),
                                   ("decimal_comma", args.decimal_comma), ("sign", args.sign),
                                   ("currency", args.currency.upper() if args.currency else None))
                 if v is not None}
        options = ProfileRow(name="(options)", columns={}, **given) if given else None
        report = await service.import_file(Path(args.file), profile=args.profile, columns=columns,
                                           save_as=args.save_profile, options=options)
        return _emit(args, report.model_dump(mode="json"), lambda: _print_import(report, service))
    if action == "ls":
        found = service.list(month=args.month, category=args.category,
                             status="pending" if args.pending else None)
        return _emit(args, [e.model_dump() for e in found], lambda: _print_list(found))
    if action == "fix":
        result = await service.fix(args.id, args.category)

        def show() -> None:
            if result.created_category:
                print(f"new category: {result.expense.category}")
            _print_one(result.expense, service)
            if result.learned_rule is not None:
                from ingle.core.expenses.rules import describe

                print(f"learned: {describe(result.learned_rule)} (remove it with "
                      f"`ingle expense rules rm {result.learned_rule.id}`)")

        return _emit(args, result.model_dump(mode="json"), show)
    if action == "rules":
        return _rules(service, args)
    if action == "report":
        totals = service.report(args.month)
        return _emit(args, [t.model_dump() for t in totals], lambda: _print_report(totals))
    if action == "export":
        path = service.export(args.format, Path(args.output) if args.output else None, month=args.month)
        print(f"wrote {path}")
        return 0
    if action == "categories":
        if args.rename:
            changed = service.rename_category(*args.rename)
            print(f"{args.rename[0]} -> {args.rename[1]}: {changed} expenses changed", file=sys.stderr)
        names = service.categories()
        return _emit(args, names, lambda: print("\n".join(names)))
    raise AssertionError(action)


def _rules(service: ExpensesService, args: argparse.Namespace) -> int:
    from decimal import Decimal, InvalidOperation

    from ingle.core.errors import UsageError
    from ingle.core.expenses.rules import describe
    from ingle.memory.expenses import RuleRow

    if args.rules_action == "add":
        kind, pattern = next((k, v) for k, v in (("is", args.is_), ("contains", args.contains),
                                                  ("regex", args.regex)) if v is not None)
        try:
            low = Decimal(args.min) if args.min else None
            high = Decimal(args.max) if args.max else None
        except InvalidOperation as exc:
            raise UsageError("--min and --max take plain amounts", "for example --max 50.00") from exc
        rule = service.add_rule(RuleRow(kind=kind, field=args.field, pattern=pattern.lower()
                                        if kind != "regex" else pattern,
                                        min_amount=low, max_amount=high, category=args.category))
        return _emit(args, rule.model_dump(mode="json"), lambda: print(f"added {describe(rule)}"))
    if args.rules_action == "rm":
        service.delete_rule(args.rule_id)
        return _emit(args, {"removed": args.rule_id}, lambda: print(f"removed rule #{args.rule_id}"))
    found = service.rules()
    return _emit(args, [r.model_dump(mode="json") for r in found],
                 lambda: print("\n".join(describe(r) for r in found) or "no rules yet"))


def _emit(args: argparse.Namespace, data: Any, human: Any) -> int:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        human()
    return 0


def _line(e: Expense) -> str:
    sign = "-" if e.direction == "out" else "+"
    return (f"#{e.id:<5} {e.date}  {sign}{e.amount:>10} {e.currency}  "
            f"{(e.category or '?'):<16} {e.text}")


def _print_one(e: Expense, service: ExpensesService) -> None:
    print(_line(e))
    if e.status == "confirmed":
        print(f"       confirmed ({e.confidence:.2f}): {e.reason}")
    else:
        print(f"       waiting for you ({e.confidence:.2f} is below "
              f"{service.settings.confidence_threshold:.2f}): {e.reason}")
        print(f"       set it with `ingle expense fix {e.id} CATEGORY`")
    if e.sink:
        print(f"       sink: {e.sink}")


def _print_list(found: list[Expense]) -> None:
    if not found:
        print("no expenses yet: `ingle expense add \"lunch 12.50\"` or `ingle expense import FILE`")
        return
    for e in found:
        flag = "" if e.status == "confirmed" else "  (waiting for you)"
        print(_line(e) + flag)


def _print_import(report: Any, service: ExpensesService) -> None:
    pending = [e for e in report.added if e.status != "confirmed"]
    print(f"{report.file}: {len(report.added)} added, {report.duplicates} already there, "
          f"{len(report.bad_rows)} bad rows skipped; the classifier answered for {report.model_calls}")
    for bad in report.bad_rows:
        print(f"  line {bad.line}: {bad.reason}", file=sys.stderr)
    if report.classifier_problem:
        print(f"the classifier could not be asked: {report.classifier_problem}", file=sys.stderr)
    if pending:
        print(f"{len(pending)} wait for your category (`ingle expense ls --pending`, then "
              "`ingle expense fix ID CATEGORY`)")


def _print_report(totals: list[Any]) -> None:
    if not totals:
        print("no expenses in that period")
        return
    month = None
    for t in totals:
        if t.month != month:
            month = t.month
            print(month)
        sign = "-" if t.direction == "out" else "+"
        print(f"  {t.category:<18} {sign}{t.total:>12} {t.currency}  ({t.count})")
