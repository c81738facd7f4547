"""Promise to pay (承诺还款): the day and sum a customer promises in a call, read from its transcript."""

from callqa.ptp.extract import Promise, find_promise

__all__ = ["Promise", "find_promise"]
