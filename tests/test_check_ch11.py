"""gradnotes.check._ch11: the chapter's own solutions pass, wrong answers fail."""

import math

import numpy as np

from gradnotes import check, theory


def relu_slope(c):
    return (math.pi - math.acos(c)) / math.pi


def depth(sigma_w2):
    return 6 * -1 / math.log(theory.chi_c("tanh", math.sqrt(sigma_w2), math.sqrt(0.05)))


def jacobian(Ws, bs, x):
    J = np.eye(len(x))
    for W, b in zip(Ws, bs):
        z = x @ W + b
        J = (1 - np.tanh(z) ** 2)[:, None] * (W.T @ J)
        x = np.tanh(z)
    return J


def test_the_solutions_pass():
    assert check.relu_c_map_slope(relu_slope).status == "passed"
    assert check.trainable_depth(depth).status == "passed"
    assert check.jacobian_product(jacobian).status == "passed"


def test_wrong_answers_fail_and_stubs_are_not_attempted():
    assert check.relu_c_map_slope(lambda c: 0.5).status == "failed"
    assert check.trainable_depth(lambda s: 6 * -1 / math.log(theory.chi1("tanh", math.sqrt(s), 0.05 ** 0.5))
                                 ).status == "failed"  # chi_1 instead of chi_c: wrong in the chaotic phase
    assert check.jacobian_product(lambda Ws, bs, x: jacobian(Ws, bs, x).T).status == "failed"

    def stub(c):
        raise NotImplementedError

    assert check.relu_c_map_slope(stub).status == "not attempted"
    assert check.EXERCISES["jacobian_product"].chapter == "11_edge_of_chaos"
