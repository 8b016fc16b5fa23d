"""The words of emergency detection: keywords per service, scope markers, utility outages.

DOMAIN.md §3 / 000 §6: fire → 119, crime and violence → 110, medical → 120, traffic → 122.
Utility outages (停水 停电 燃气 供暖) are not 110 matters: 003 §10 makes them urgent tickets.
Data only: `ivr.emergency_match` reads the keywords, `ivr.emergency_scope` the markers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Service = Literal["fire", "police", "medical", "traffic"]
SERVICES: tuple[Service, ...] = ("fire", "police", "medical", "traffic")

KEYWORDS: Mapping[Service, tuple[str, ...]] = {
    "fire": (
        "着火", "失火", "起火", "火灾", "大火", "烧起来", "烧着了", "冒烟", "浓烟", "火苗", "爆炸", "炸了",
        "煤气泄漏", "燃气泄漏", "天然气泄漏", "煤气味", "燃气味", "液化气泄漏", "困在电梯", "被困",
        "困在屋里",
    ),
    "traffic": (
        "车祸", "撞车", "追尾", "被车撞", "撞人", "撞了人", "交通事故", "翻车", "肇事逃逸", "撞倒", "被撞",
        "连环相撞", "车撞",
    ),
    "police": (
        "抢劫", "打人", "被打", "打我", "杀人", "砍人", "持刀", "拿刀", "捅人", "绑架", "家暴", "强奸",
        "打架", "斗殴", "入室", "闯进", "撬门", "偷东西", "小偷", "抢包", "抢东西", "跟踪我", "非礼",
        "性骚扰", "要跳楼", "想跳楼", "跳河", "轻生", "拐卖", "拐走", "被人打", "打伤", "撬了", "孩子丢了",
        "孩子不见了", "砸车", "砸东西", "持枪", "劫持",
    ),
    "medical": (
        "晕倒", "昏倒", "昏迷", "休克", "抽搐", "心脏病", "心梗", "脑梗", "中风", "喘不上气", "呼吸困难",
        "没有呼吸", "没呼吸", "叫不醒", "不省人事", "大出血", "流血不止", "流了好多血", "中毒", "吃了农药",
        "喝了农药", "安眠药", "割腕", "急救", "救护车", "快不行了", "摔倒起不来", "骨折", "难产", "要生了",
        "烫伤", "触电", "溺水",
    ),
}

# Keywords whose homophones are everyday words (大火/大货): exact match only.
EXACT_ONLY = frozenset(
    {
        "大火", "炸了", "被打", "打我", "撞人", "被撞", "车撞", "小偷", "入室", "中毒", "家暴", "溺水",
        "强奸", "中风", "轻生", "跳河", "心梗", "脑梗",
    }
)
# A "homophone" that is itself a common word (大人 for 打人) is what was said, not an ASR slip.
COMMON_WORD_FREQ = 1000

# Said without a service: 110 dispatches the others.
GENERIC = ("救命", "快来人")

# Cancels the hit right after it (within NEGATION_REACH characters).
NEGATIONS = (
    "没有", "没", "不是", "并非", "并没", "未", "无", "不会", "别", "怕", "打不", "点不", "差点", "还好",
    "防",
)
# Words that contain a negation character but negate nothing (消防车着火了, 别人家着火了, 无法呼吸).
NOT_NEGATIONS = ("消防", "别人", "特别", "别的", "分别", "害怕", "可怕", "恐怕", "无法", "没法", "无论")
NEGATION_REACH = 4
# Open a scope that runs forward until a NOW marker or SCOPE_REACH characters.
HYPOTHETICAL = (
    "如果", "万一", "假如", "要是", "假设", "一旦", "倘若", "假若", "怎样防", "容易", "可能会", "会不会",
    "担心", "小心", "注意", "遇到", "发生了什么", "防止", "预防", "避免", "以防", "防范", "怎么防",
    "我以为", "还以为", "以为是", "以为有",
)
# Words that contain a hypothetical marker but report an accident (不小心 烫到了, 没注意 摔了).
NOT_HYPOTHETICAL = ("不小心", "没注意", "没留意", "一不注意", "没小心")
# Someone else's account (news, a film, a game): what follows did not happen to the caller now.
HEARSAY = (
    "新闻", "电视上", "电视里", "电视剧", "电影", "朋友圈", "听说", "网上说", "视频里", "游戏里", "小说",
    "演的", "抖音", "快手", "视频上", "网上看到", "看到有人发",
)
PAST = (
    "前两天", "两天前", "几天前", "一周前", "上个星期", "那天", "那会儿",
    "上个月", "上月", "上周", "上星期", "上礼拜", "去年", "前年", "以前", "之前", "曾经", "那时候", "年前",
    "前几天", "前些天", "前段时间", "上次", "上回", "当时", "昨天", "昨晚", "前天", "小时候", "那次",
    "那年", "早就", "过去", "经常", "总是", "老是", "几个月前", "半年", "以往", "历来",
)
SCOPE_REACH = 16
# Closes a PAST or HYPOTHETICAL scope: what follows is happening now.
NOW = (
    "现在", "刚才", "刚刚", "正在", "又", "还在", "马上", "突然", "这会", "此刻", "快来", "快点", "救命",
    "赶紧", "今天", "刚",
)
# Right after a hit, these make it the topic of a question or the past (火灾以后, 车祸的鉴定).
# ... or a little further after a 的 (打架斗殴的处罚规定, 交通事故的责任认定书).
TOPIC_AFTER_REACH = 4
TOPIC_AFTER = (
    "以后", "之后", "后的", "的时候", "的事", "的问题", "的案子", "案件", "的费用", "费用", "的赔偿",
    "赔偿", "补偿", "理赔", "保险", "险", "鉴定", "认定", "责任", "的宣传", "宣传", "资料", "隐患", "演练",
    "培训", "课程", "知识", "证", "中心", "的规定", "处罚", "标准", "的场景", "那次", "那天", "那场",
    "的法律", "的人已经", "的情况", "伤残", "收费", "费", "误工", "后续", "法律", "政策", "奖励", "场面",
    "怎么处理", "一般", "通常", "会怎么", "怎么判", "怎么算", "算不算", "调解", "快处", "要去哪", "去哪",
    "方法", "措施", "流程", "步骤", "常识", "技巧", "注意事项", "损失", "预防", "原因", "危害", "后果",
)
# An animal, not a person, in the danger (有只猫困在树上): a matter for other services.
ANIMALS = ("猫", "狗", "鸟", "猴", "羊", "牛", "猪", "鸡", "鸭", "鹅", "宠物")
# Words that anywhere in the utterance say the event is over (for the model, not a veto).
RESOLVED = (
    "已经灭", "已经扑灭", "已经处理", "已经解决", "已经送", "已经出院", "已经被抓", "已经去世", "已经打了",
    "已经走了", "没事了", "没有事", "灭了", "送到医院", "住院", "出院", "被抓", "带走了我想", "派出所带走",
    "拘留", "判了", "抓起来", "放出来", "石膏", "警察带走", "报过警", "已经报警", "报了警", "处理好了",
    "早就处理",
)
# Words of a grievance about how something was handled: a complaint, not a call for help.
GRIEVANCE = (
    "不管", "不赔", "不处理", "没人管", "不给", "不理", "没有消息", "没消息", "没结果", "拖着", "不退",
    "不认账", "态度", "投诉", "太慢", "太贵", "乱收费", "不道歉", "推诿",
)
# The past tense marker inside a keyword: 着过火, 撞过车.
PAST_INFIX = "过"

UTILITY_SUBJECTS = ("水", "电", "自来水", "燃气", "天然气", "煤气", "暖气", "供暖", "供热")
UTILITY_PROBLEMS = ("停", "没", "断", "不热", "不通", "中断", "故障", "坏了", "爆了", "爆裂", "跳闸", "不来")
UTILITY_PHRASES = (
    "停水", "停电", "断水", "断电", "没水", "没电", "停气", "断气了", "没有燃气", "燃气停", "暖气不热",
    "没有暖气", "停暖", "供暖不足", "暖气不通", "水管爆", "水管破裂", "没热水", "一滴水都没", "暖气片冰凉",
    "暖气冰凉", "水管道破", "供水管道", "没气了",
)
