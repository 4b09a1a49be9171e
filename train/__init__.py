"""Train the digit reader, convert it for TensorFlow.js and write its model card.

``python -m train`` trains and converts; ``python -m train.evaluate`` measures a
converted model and writes ``README.md`` beside it.
"""
