#!/usr/bin/python3
"""Write a synthetic data set of replies to sales emails: train.csv and test.csv.

    /usr/bin/python3 examples/email-intent/make_data.py OUT_DIR [--seed 7] [--rows 4000]

Columns: `text` (the reply's body) and `label`, one of

    positive       interested: asks for a call, a demo, pricing, a deck
    objection      not now or not you: budget, timing, a competitor, no need
    unsubscribe    stop emailing me (politely or not)
    referral       talk to someone else instead
    out_of_office  an automatic reply (Paddock's rule filter answers these,
                   the model is trained on the four intents only)

Each reply is assembled from a greeting, one or two intent sentences drawn
from varied templates with slots (names, weekdays, quarters, vendors), a
filler sentence, and a sign-off; casing, punctuation and typos vary. Some
replies are ambiguous on purpose (a referral that also objects, a
positive reply that mentions the budget), so a model cannot be perfect and
per-class recall means something, and 3 % of the intent labels are
wrong, as an annotator's would be. Everything is seeded.
"""
import argparse
import csv
import os
import random

FIRST = ["Anna", "Ben", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
         "Lucas", "Maya", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Sam", "Tariq", "Uma", "Victor",
         "Wen", "Yara", "Zoe"]
LAST = ["Smith", "Garcia", "Muller", "Rossi", "Kowalski", "Nguyen", "Okafor", "Larsen", "Silva", "Chen",
        "Dubois", "Haddad", "Ivanova", "Jensen", "Khan", "Moreau", "Novak", "Park"]
ROLES = ["our Head of Procurement", "our VP of Sales", "the IT lead", "my manager", "our CFO",
         "the operations director", "my colleague in RevOps", "our CTO", "the team lead for EMEA"]
VENDORS = ["Salesforce", "HubSpot", "Gong", "a competitor", "an in-house tool", "Zendesk", "another vendor"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "next week", "tomorrow"]
QUARTERS = ["Q1", "Q2", "Q3", "Q4", "next quarter", "next year", "the new fiscal year"]
TOPICS = ["the demo", "pricing", "the integration", "your platform", "the pilot", "onboarding"]

GREETINGS = ["Hi {me},", "Hello {me},", "Hey {me}", "Dear {me},", "{me},", "Hi there,", "Good morning,", ""]
SIGNOFFS = ["Thanks,\n{first}", "Best,\n{first} {last}", "Regards,\n{first}", "Cheers, {first}",
            "Sent from my phone", "{first} {last}\n{title}", "Kind regards,\n{first} {last}", ""]
TITLES = ["Sales Director", "Head of Growth", "Operations Manager", "VP Marketing", "Founder", "IT Manager"]
FILLERS = ["Thanks for reaching out.", "Appreciate the note.", "I read your last email.",
           "Hope your week is going well.", "Thanks for following up.", "", "", ""]

INTENTS = {
    "positive": [
        "This sounds interesting, can we set up a call {day}?",
        "Yes, I'd love to see a demo. Does {day} work for you?",
        "Please send over pricing and a deck, we are evaluating options for {quarter}.",
        "We're actively looking at this. Can you share more about {topic}?",
        "Happy to chat. Grab a slot on my calendar for {day}.",
        "Good timing actually, we were just discussing this. Let's talk {day}.",
        "Interested. How long does onboarding usually take?",
        "Could you walk our team through {topic}? {day} afternoon is open.",
        "Sure, let's find 30 minutes {day} to go over {topic}.",
        "I'd like to learn more. Do you have a case study for a team our size?",
        "Sounds like a fit. Can you send a proposal?",
        "yes please book something with me {day}",
    ],
    "objection": [
        "We don't have budget for this until {quarter}.",
        "We just signed a two year contract with {vendor}, so not a fit right now.",
        "Not a priority for us at the moment, maybe revisit in {quarter}.",
        "We already use {vendor} and we're happy with it.",
        "Honestly the price is too high for a team our size.",
        "We're in the middle of a reorg, the timing is bad.",
        "I don't think we need this, our process works fine.",
        "We tried something similar last year and it didn't work out.",
        "Procurement has frozen all new tools until {quarter}.",
        "Not interested right now, we have other priorities.",
        "Too expensive compared to {vendor}.",
        "we built {topic} in house, no need thanks",
    ],
    "unsubscribe": [
        "Please remove me from your mailing list.",
        "Unsubscribe.",
        "Stop emailing me.",
        "Take me off this list please.",
        "I never signed up for this, please stop contacting me.",
        "Do not contact me again.",
        "Remove my address from your database.",
        "This is the third email, please unsubscribe me.",
        "Please stop sending these emails.",
        "opt me out of all future emails",
        "Kindly remove me from all communications.",
        "I am not the right audience, please take me off your list.",
    ],
    "referral": [
        "I'm not the right person, you should talk to {role}, {first2} {last2}.",
        "Please reach out to {first2} {last2} ({email}), they handle this.",
        "Adding {first2} from our team who owns this area.",
        "{first2} {last2} is the decision maker here, I've cc'd them.",
        "You'll want to speak with {role} instead.",
        "Forwarding this to {role}, they'll get back to you.",
        "Try {email}, that's who looks after vendors like you.",
        "I moved to a different team. {first2} {last2} took over my accounts.",
        "Looping in {first2} who runs {topic} for us.",
        "Best contact for this is {role}: {email}.",
        "{first2} handles tooling decisions, reach out to them directly.",
        "not my area - ping {first2} {last2} on our side",
    ],
}

OUT_OF_OFFICE = [
    "I am currently out of the office until {day} with limited access to email.",
    "Thank you for your email. I'm out of office and will reply when I return {day}.",
    "This is an automatic reply: I am on vacation until {day}.",
    "Automatic reply: I'm away from my desk until {day}. For urgent matters contact {email}.",
    "I'm on annual leave and will be back {day}. Your message will not be forwarded.",
    "Auto-reply: I am out of the office this week.",
    "I'm currently on parental leave. Please contact {email} in my absence.",
    "Thanks for your message. I am on holiday with no access to email until {day}.",
]

# Sentences that mix a second intent in, for realistic ambiguity.
MIXERS = {
    "positive": ["Budget is tight though.", "We also use {vendor} today.", "Not sure about timing yet.",
                 "Adding {first2} in case they want to join."],
    "objection": ["Maybe {role} would think differently.", "Happy to hear more later.", "Thanks anyway.",
                  "Please don't follow up before {quarter}."],
    "referral": ["Not sure there's budget though.", "We might be interested in {quarter}.",
                 "I'm not interested myself."],
    "unsubscribe": ["Not interested.", "We use {vendor} anyway.", "No need to forward this to anyone."],
}

# Share of intent labels an annotator got wrong: real labels are noisy.
ANNOTATOR_NOISE = 0.03

WEIGHTS = {"positive": 0.27, "objection": 0.33, "unsubscribe": 0.14, "referral": 0.14, "out_of_office": 0.12}


def fill(template, rng):
    first2, last2 = rng.choice(FIRST), rng.choice(LAST)
    return template.format(
        day=rng.choice(DAYS), quarter=rng.choice(QUARTERS), vendor=rng.choice(VENDORS),
        topic=rng.choice(TOPICS), role=rng.choice(ROLES), first2=first2, last2=last2,
        email="%s.%s@example.com" % (first2.lower(), last2.lower()))


def typo(text, rng):
    """Swap two neighbouring letters in one word, as hurried replies do."""
    words = text.split(" ")
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4:
        j = rng.randrange(1, len(w) - 2)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def reply(label, rng):
    if label == "out_of_office":
        body = [fill(rng.choice(OUT_OF_OFFICE), rng)]
    else:
        body = [fill(t, rng) for t in rng.sample(INTENTS[label], rng.choice([1, 1, 2]))]
        if rng.random() < 0.35:
            body.insert(0, rng.choice(FILLERS))
        if rng.random() < 0.2:
            body.append(fill(rng.choice(MIXERS[label]), rng))
        elif rng.random() < 0.12:
            # A reply with a sentence of another intent: the label is the
            # intent the annotator judged primary, the first sentence's.
            other = rng.choice([i for i in INTENTS if i != label])
            body.append(fill(rng.choice(INTENTS[other]), rng))
    text = " ".join(s for s in body if s)
    if rng.random() < 0.2:
        text = typo(text, rng)
    if rng.random() < 0.15:
        text = text.lower()
    me = rng.choice(FIRST)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    parts = [rng.choice(GREETINGS).format(me=me), text,
             rng.choice(SIGNOFFS).format(first=first, last=last, title=rng.choice(TITLES))]
    return "\n\n".join(p for p in parts if p)


def make(rows, seed):
    rng = random.Random(seed)
    labels = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=rows)
    out = []
    for label in labels:
        text = reply(label, rng)
        if label in INTENTS and rng.random() < ANNOTATOR_NOISE:
            label = rng.choice([i for i in INTENTS if i != label])
        out.append((text, label))
    return out


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rows", type=int, default=4000)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = make(a.rows, a.seed)
    cut = int(0.75 * a.rows)
    write(os.path.join(a.out, "train.csv"), rows[:cut])
    write(os.path.join(a.out, "test.csv"), rows[cut:])


if __name__ == "__main__":
    main()
