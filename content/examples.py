"""The example sentences the key-value page offers (the benchmark measures the attribution on
them too): each has a clear next token and something to explain."""

KV_EXAMPLES = ("The capital of France is", "The bank by the river was steep", "I paid the cheque in at the bank",
               "12 + 7 =", "Yesterday she walked to school and")

# the anatomy page's default text: its first token carries SmolLM2's massive activation, its end a fact
ANATOMY_EXAMPLE = "My favourite condiment is mustard. The capital of France is"
