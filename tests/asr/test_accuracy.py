from callqa.asr.accuracy import cer
from callqa.chinese import edit_distance


def test_cer() -> None:
    assert edit_distance("坐牢", "做劳") == 2
    assert cer("我们不会上门。", "我们不会上门") == 0
    assert cer("逾期十五天", "一期十五天") == 0.2
