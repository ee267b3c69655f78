"""The capstone: gradient descent on a small data set with the learner's own delta formulas as the backward pass,
beside the engine's gradients and PyTorch (no textual; torch only in a child process).

:mod:`~tutor.train.data` makes the data sets, :mod:`~tutor.train.network` fits a lesson's network to one,
:mod:`~tutor.train.formulas` reads, orders, checks and compiles the formulas (:mod:`~tutor.train.compiled`),
:mod:`~tutor.train.loop` trains, :mod:`~tutor.train.torch_side` runs PyTorch, :mod:`~tutor.train.report` and
:mod:`~tutor.train.plot` say and draw what happened.
"""
