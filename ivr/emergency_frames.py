"""Event frames: the shapes in which callers say that something dangerous is happening.

A keyword list misses most ways of saying it (有人在撬我家门, 一直跟着我, 手卷进机器里了, 车翻到
沟里). A frame is a danger (violence, a weapon, theft in progress, being followed, trapped or
locked in, bleeding, breathing, unconsciousness, confusion, poisoning, fire/smoke/gas, a
collision, an overturn, an injury, a limb caught in a machine) with what makes it an event:
an agent (有人, 他, 小偷), a victim (被…), a result (了, 住, 不动). Frames match the normalised
text (`ivr.emergency_match.normalise`); whether the event is now is `ivr.emergency_scope`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ivr.emergency_lexicon import Service
from ivr.emergency_match import Hit

# Someone who acts, someone it is done to.
_AGENT = (
    r"(有人|有个人|有个|一个人|一个男的|一个女的|男的|女的|一伙人|一群人|几个人|两个人|陌生人|小偷|贼|骗子|歹徒|"
    r"醉汉|他们|他|她|我老公|我老婆|前夫|前男友|男朋友|老公|丈夫|对方|那个人|那人)"
)
_VEHICLE = (
    r"(车|汽车|轿车|小车|货车|卡车|大巴|公交|客车|出租|面包车|摩托|电动车|电瓶车|三轮|自行车|单车|渣土|罐车|"
    r"校车|拖拉机|农用车|车子|车辆|骑车)"
)
_WEAPON = r"(刀|枪|棍|棒|斧|砖|酒瓶|啤酒瓶|铁棍|钢管|锤|菜刀|砍刀|匕首|凶器|汽油)"
# 打 is a violent verb except in 打电话 打车 打针 打工 打滚 ...
_HIT = (
    r"(打(?!电话|车|的|工|针|滚|算|扫|开|折|听|牌|卡|球|印|招呼|游戏|官司|疫苗|包|不通|过来|给)"
    r"|砍|捅|杀(?!虫|价)|砸|掐|踢|揍|殴)"
)


def _alt(*alternatives: str) -> str:
    return "|".join(alternatives)


FRAMES: tuple[tuple[Service, str, str], ...] = (
    # ---- fire (119): fire, smoke, gas, explosion, trapped
    ("fire", "flames", _alt(
        r"(着|起|失|冒|走|喷)(了)?(大)?火", r"火(很大|好大|太大|越来越大|势|光|苗|星|着了|烧)",
        r"(烧|着|燃)(起来|着了|了起来)", r"烧着", r"烧到", r"点着了", r"引燃", r"自燃",
        r"(被|给).{0,4}点着", r"放火", r"点火", r"泼(了)?汽油", r"火花.{0,4}着",
    )),
    ("fire", "smoke", _alt(
        r"(冒|往外冒|喷|全是|都是|好多|很多|浓|黑|一股).{0,2}(?<!油)烟",
        r"(?<![油香])烟(很大|好大|特别大|太大|往)", r"浓烟",
    )),
    ("fire", "gas", _alt(
        r"(燃气|煤气|天然气|液化气|沼气|气罐|煤气罐).{0,8}(漏|泄|味|破|呲|冲|挖)", r"漏气",
        r"(燃气|煤气|天然气|液化气)(味|管)",
    )),
    ("fire", "explosion", _alt(
        r"爆炸", r"(?<![要快头])炸(了|开)", r"(罐|瓶|锅炉|电瓶|电池|变压器|变电箱|灶).{0,3}爆",
        r"爆(了)?.{0,3}(火|烟)", r"巨响",
    )),
    ("fire", "trapped", _alt(
        r"(被)?困(在|住)", r"(卡|停)在.{0,4}(楼|层)中间", r"电梯.{0,6}(卡住|困|关在|出不来|不动了)",
        r"反锁在", r"(出|逃|跑)不出去",
    )),
    # ---- police (110): violence, weapons, theft and robbery in progress, followed, held, fraud
    ("police", "violence", _alt(
        _AGENT + r".{0,8}" + _HIT, r"被.{0,6}(" + _HIT + r"|推下|围住|围着|划伤)",
        r"(打|砍|捅)(伤|死|人|我|她|他)", r"动手", r"闹事", r"打(起来|群架|架)", r"动(了)?刀",
        r"围(着|住)(我|他|她)",
    )),
    ("police", "weapon", _alt(
        r"(拿|持|拎|举|提|带|握|顶)(着)?.{0,3}" + _WEAPON,
    )),
    ("police", "threat", _alt(
        r"(要|说要|扬言|威胁).{0,4}(杀|砍|弄死|打死|报复|同归于尽|要我命|杀了)", r"威胁", r"要我命",
        r"逼(我|她|他|着)",
    )),
    ("police", "theft", _alt(
        r"(有人|小偷|贼|他|他们|一个人|陌生人|有个人).{0,6}(偷|撬|翻|扒|摸走|拿走|骑走|开走)",
        r"(偷|撬|扒)(了|走|我|东西|车|手机|钱|包)",
        r"抢(?!票|购|红包|救|修|险|先|答|占|收|种|手|着).{0,4}(钱|包|手机|项链|东西|车|孩子|小孩)",
        r"遭(了)?贼", r"(进|有)(了)?(小偷|贼)", r"撬(锁|窗|门)", r"抢(劫|钱|包|手机)",
        r"被.{0,4}(偷|抢|扒)", r"(在|正在)(偷|抢|撬)",
    )),
    ("police", "intruder", _alt(
        r"(家里|屋里|院子|门口|窗外).{0,6}(有人|有个人|陌生人)",
        r"(有人|有个人|陌生人)在(我)?(家|屋)(里)", r"闯(进|入)", r"翻墙进", r"进了我家",
        r"(砸|敲|拽|踹)(门|窗)", r"(开|撬)锁",
    )),
    ("police", "followed", _alt(
        r"(跟踪|跟着|尾随|盯着|追)(我|她|他|我们|人)", r"一直(跟|追)", r"被.{0,3}(跟踪|尾随|追)",
        r"在.{0,3}后面追",
    )),
    ("police", "held", _alt(
        r"(被|把我|把她|把他).{0,6}(锁|关|扣|控制|绑|拉上|抱上|拽上|带走|拉走|抱走)",
        r"不让(我|她|他|我们)?(走|出|下车|离开|出门)", r"(绑|拐|抱)(走|了)", r"收了.{0,3}手机",
    )),
    ("police", "fraud", _alt(
        r"(被骗|骗了|骗走|诈骗|骗子|冒充).{0,10}(刚|转|汇|正在|还在)",
        r"(刚|刚刚|刚才|正在|已经).{0,6}(转|汇)(了|给|过去|账|钱)", r"(转|汇)(了)?.{0,4}(万|千|块)",
        r"叫我转", r"让我转", r"要我转", r"(要|正要|准备|去|在).{0,6}(转钱|转账|汇款)",
    )),
    ("police", "missing", _alt(
        r"(孩子|小孩|女儿|儿子|娃|闺女|宝宝).{0,12}(不见了|丢了|找不到|走丢|没回家|被.{0,4}(抱|带|拉)走)",
    )),
    ("police", "sexual", _alt(
        r"强奸", r"猥亵", r"非礼", r"(摸|亲)(我|她|女)", r"动手动脚", r"性侵",
    )),
    ("police", "suicide", _alt(
        r"(要|想|准备)(跳楼|跳河|跳下去|跳桥|自杀|轻生)", r"不想活",
        r"站在.{0,4}(楼顶|天台|桥|窗).{0,3}(边|上)",
    )),
    # ---- medical (120)
    ("medical", "unconscious", _alt(
        r"昏迷", r"晕倒", r"昏倒", r"晕(过去|了|到)", r"昏(过去|了)", r"不省人事", r"叫不(醒|答应|应)",
        r"喊(她|他)?不(醒|答应|应)", r"没(有)?(反应|意识|知觉|呼吸|心跳)",
        r"(人|他|她|孩子|老人)(都)?没气了", r"(不|一)动不动", r"(?<![梯车机表])不动了", r"倒(在|下|地)",
        r"人事不省",
        r"醒不过来", r"不醒", r"站不起来", r"(一直|不停)(在)?(吐|呕)", r"头(好|很|特别)晕",
    )),
    ("medical", "breathing", _alt(
        r"(喘|透|上)不(上|过|动|了)?(来)?气", r"呼吸(困难|不了|不上|很弱|急促|越来越弱|也困难)",
        r"(气|呼吸)(上不来|不上来|喘不)", r"憋(死|得)", r"喘不了气", r"(脸|嘴唇|嘴)(都)?(发)?(紫|青)",
        r"呛(着|水)", r"噎(住|着)", r"卡(住|在)?.{0,2}(喉咙|嗓子)", r"喉咙(肿|卡)",
    )),
    ("medical", "bleeding", _alt(
        r"(流|出|吐|咳|喷|冒)(了)?(好多|很多|大量|一地|一身)?血",
        r"血(止不住|流不止|一直流|喷|流得|流了|都是|湿透)", r"止不住", r"大出血", r"满(脸|头|身)(是)?血",
        r"头破血流",
    )),
    ("medical", "confusion", _alt(
        r"说胡话", r"认不出人", r"不认识人", r"神志不清", r"意识不清", r"糊涂", r"迷糊", r"胡言乱语",
        r"说话不清", r"口齿不清", r"嘴(巴)?歪", r"半边身子", r"(手|脚|身子)(都)?(麻|抬不起)", r"说不出话",
        r"看不见东西", r"低血糖", r"血糖(低|高)",
    )),
    ("medical", "poisoning", _alt(
        r"中毒", r"(喝|吃|吞|服)(了|下)?.{0,6}(农药|药|安眠药|老鼠药|消毒水|洗衣液|百草枯|毒|电池|硬币)",
        r"误(吃|服|食|喝)", r"吃了.{0,4}(蘑菇|野菜).{0,8}(吐|晕)",
        r"(电池|硬币|药|磁铁|纽扣|药片|洗衣液|消毒水|农药).{0,4}(吞|吃|喝)(了|下)",
    )),
    ("medical", "caught", _alt(
        r"(手|脚|腿|胳膊|手指|手臂|头|人|身子).{0,6}(卷|夹|压|绞|卡|轧|扎|切)(进|住|到|在|了|断|穿|伤)",
        r"(被|让|给).{0,5}(机器|冲床|绞肉机|钢筋|铁板|车|门|机床|刀|玻璃|钉子).{0,4}(卷|夹|压|绞|卡|扎|轧|割|划)",
        r"(卷|绞|夹)进", r"扎(到|进|穿|伤)",
    )),
    ("medical", "pain", _alt(
        r"(胸口|心口|肚子|头|胸|腰)(疼|痛|闷)(得)?(厉害|要命|不行|打滚|受不了|裂|炸)", r"剧痛",
        r"疼得打滚", r"痛欲裂", r"疼得不行", r"(胸口|心口)(疼|痛|闷)",
    )),
    ("medical", "seizure", _alt(
        r"抽搐", r"抽风", r"抽筋", r"口吐白沫", r"吐白沫", r"一直(在)?抽", r"浑身(抽|发抖)",
        r"(在|一直)发抖",
    )),
    ("medical", "fall", _alt(
        r"(摔|掉|跌|滚)(下来|下去|倒|了一跤).{0,8}(起不来|不能动|动不了|流血|不动|昏|晕|骨头|断)",
        r"从.{0,6}(楼|梯|架|阳台|高处|床|树|屋顶|楼梯).{0,4}(摔|掉|跌|滚)", r"(骨头|腿|胳膊).{0,3}断",
    )),
    ("medical", "labour", _alt(
        r"要生了", r"羊水.{0,2}破", r"难产", r"早产", r"(孕妇|怀孕).{0,10}(疼|痛|出血|流血)",
    )),
    ("medical", "accident", _alt(
        r"溺水", r"触电", r"(被)?电(打|击)", r"呛水", r"(被|让).{0,3}(狗|蛇|马蜂|蜂|虫).{0,2}(咬|蛰)",
        r"烫伤", r"烧伤", r"(被|让).{0,3}(开水|油).{0,2}烫", r"过敏.{0,8}(肿|呼吸|喘)",
        r"(人|孩子|小孩|他|她|有人).{0,3}(淹|溺)",
    )),
    ("medical", "cardiac", _alt(
        r"心脏病.{0,2}(犯|发作)", r"心梗", r"脑梗", r"中风", r"脑溢血", r"心跳(好快|停|很快)",
        r"快不行了", r"不行了", r"救护车", r"急救",
    )),
    # ---- traffic (122)
    ("traffic", "collision", _alt(
        r"车祸", r"车货", r"交通事故", r"追尾", r"相撞", r"连撞", r"刮蹭", r"剐蹭",
        _VEHICLE + r".{0,10}(撞|碰|刮|剐|蹭|压|轧)",
        r"(撞|碰|刮|剐|蹭)(了|上|到|倒|在一起|飞)?.{0,8}" + _VEHICLE,
        r"(撞|碰)(了|到|倒|飞)?(一个|个)?(人|行人|小孩|老人|学生)",
    )),
    ("traffic", "overturn", _alt(
        _VEHICLE + r".{0,8}(翻|侧翻|冲出|冲下|冲进|冲到|掉到|掉下|开进|开到|滑)", r"翻车", r"侧翻",
        r"翻到", r"(冲|掉|开)(到|进|下)(了)?.{0,4}(河|沟|桥|山坡|人行道|绿化带|田)",
    )),
    ("traffic", "barrier", _alt(
        r"撞(到|上|在|进|断|坏)?(了)?.{0,4}(护栏|隔离|电线杆|树|墙|桥墩|路牙|马路牙子|收费站|站台|摊|店|人群|路灯|栏杆)",
    )),
    ("traffic", "hit_and_run", _alt(
        r"肇事", r"逃逸", r"撞(了)?人(就)?跑", r"撞了.{0,6}(跑|溜|走)",
    )),
)

# Which frames say that someone is hurt: a crash, fire or assault with one of them needs 120 too.
INJURY_FRAMES = frozenset({"unconscious", "breathing", "bleeding", "caught", "fall", "injured"})
_INJURED = re.compile(
    r"受伤|受了伤|伤(了|着|得)|(有人|人|司机|骑手|孩子|小孩|老人).{0,4}(躺|倒)在|(躺|倒)(在)?地(上)?|起不来|走不了|"
    r"动不了|不能动|流血|出血|是血|昏迷|不动|飞出去|卡在(里面|车里)|压在(下面|车下)|出不来|骨折|腿断|头破|躺着|"
    # Stabbed, or a person run into: hurt even when the caller does not say so.
    r"(捅|砍|扎)(了|伤)|(撞|压|轧)(了|到|倒|飞|死)?(一个|个|好几个|几个)?.{0,5}(行人|人|小孩|孩子|老人|学生|骑)|撞飞"
)


class FrameMatcher:
    def __init__(self) -> None:
        self._frames = [(service, name, re.compile(rx)) for service, name, rx in FRAMES]

    def hits(self, text: str) -> Iterator[Hit]:
        """`text` is normalised (see `ivr.emergency_match.normalise`)."""
        for service, name, rx in self._frames:
            for m in rx.finditer(text):
                yield Hit(service, m.start(), m.end(), f"<{name}>", m.group(0), False, "frame", name)
        for m in _INJURED.finditer(text):
            yield Hit("medical", m.start(), m.end(), "<injured>", m.group(0), False, "frame", "injured")
