"""Class evaluation (凡训必评, CQ-M4): forms, anonymous answers, scores, evaluator reports."""
