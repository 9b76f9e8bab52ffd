"""The example sentences the key-value page offers (the benchmark measures the attribution on
them too): each has a clear next token and something to explain."""

KV_EXAMPLES = ("The capital of France is", "The bank by the river was steep", "I paid the cheque in at the bank",
               "12 + 7 =", "Yesterday she walked to school and")
