/**
 * Old (旧字体) and variant (異体字) kanji folded to their common forms for search: 國 → 国,
 * 渡邊/渡邉 → 渡辺, 齋藤/齊藤/斉藤 → 斎藤. Data, one "old new" pair per entry; NFKC already folds
 * the CJK compatibility ideographs that have a canonical mapping, this covers the rest.
 * 斎 and 斉 are folded together on purpose: the four 斎藤 spellings are confused all the time.
 */
const PAIRS = `
舊旧 圖図 國国 澤沢 髙高 﨑崎 嵜崎 邊辺 邉辺 齋斎 齊斎 斉斎 櫻桜 龍竜 學学 會会 體体 廣広 濱浜 濵浜
德徳 惠恵 眞真 壽寿 曉暁 實実 榮栄 藝芸 縣県 繪絵 藏蔵 鐵鉄 發発 變変 辯弁 辨弁 瓣弁 臺台 聲声 賣売
讀読 驛駅 傳伝 兒児 與与 豐豊 禮礼 參参 寫写 寶宝 戰戦 數数 樂楽 氣気 淺浅 滿満 燈灯 當当 畫画 盡尽
經経 總総 萬万 蟲虫 觀観 譯訳 豫予 醫医 關関 鷄鶏 黑黒 齒歯 瀧滝 嶋島 嶌島 冨富 𠮷吉 戶戸 亞亜 惡悪
壓圧 圍囲 爲為 隱隠 營営 衞衛 圓円 鹽塩 應応 歐欧 毆殴 假仮 價価 壞壊 懷懐 擴拡 覺覚 勸勧 卷巻 歡歓
陷陥 顏顔 歸帰 僞偽 戲戯 犧犠 據拠 擧挙 峽峡 挾挟 狹狭 區区 驅駆 勳勲 徑径 揭掲 溪渓 莖茎 繼継 螢蛍
輕軽 儉倹 劍剣 圈圏 檢検 權権 獻献 險険 顯顕 驗験 嚴厳 號号 濟済 雜雑 慘惨 殘残 缺欠 嶽岳 巖巌 罐缶
效効 恆恒 鑛鉱 碎砕 劑剤 册冊 棧桟 蠶蚕 贊賛 絲糸 辭辞 濕湿 釋釈 收収 從従 澁渋 獸獣 縱縦 肅粛 處処
敍叙 將将 稱称 燒焼 證証 奬奨 條条 狀状 乘乗 淨浄 剩剰 疊畳 孃嬢 讓譲 釀醸 觸触 囑嘱 愼慎 寢寝 粹粋
醉酔 穗穂 隨随 髓髄 樞枢 瀨瀬 靜静 攝摂 竊窃 專専 潛潜 纖繊 踐践 錢銭 禪禅 雙双 壯壮 搜捜 插挿 爭争
聰聡 莊荘 裝装 騷騒 增増 臟臓 卽即 屬属 續続 墮堕 對対 帶帯 滯滞 擇択 擔担 單単 膽胆 團団 彈弾 斷断
癡痴 遲遅 晝昼 鑄鋳 廳庁 聽聴 敕勅 鎭鎮 遞逓 轉転 點点 黨党 盜盗 鬭闘 獨独 屆届 貳弐 惱悩 腦脳 霸覇
廢廃 拜拝 麥麦 髮髪 拔抜 蠻蛮 祕秘 甁瓶 拂払 佛仏 竝並 舖舗 沒没 飜翻 每毎 默黙 彌弥 藥薬 餘余 譽誉
搖揺 樣様 謠謡 來来 賴頼 亂乱 覽覧 兩両 獵猟 綠緑 壘塁 淚涙 勵励 靈霊 齡齢 戀恋 爐炉 勞労 樓楼 錄録
灣湾 黃黄 檜桧 蘆芦 鷗鴎 槇槙 遙遥 顚顛 萠萌 曾曽 步歩 涉渉 渴渇 晚晩 虛虚
`;

export const KANJI_VARIANTS: ReadonlyMap<string, string> = new Map(
  PAIRS.split(/\s+/)
    .filter(Boolean)
    .map((pair) => {
      const [from, to] = [...pair];
      return [from!, to!] as const;
    }),
);
